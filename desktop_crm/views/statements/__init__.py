"""Bank statements in the GUI: File › Import bank statement… (in the background, with progress),
then the statement review window (matched, to review, already registered and ignored lines; a
line to review is matched to an invoice by hand or ignored)."""

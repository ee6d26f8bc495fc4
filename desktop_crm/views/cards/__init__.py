"""Entity cards (contact, company, lead, product), registered as the card openers of their lists."""

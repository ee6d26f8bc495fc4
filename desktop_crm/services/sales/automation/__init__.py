"""Robots and triggers per pipeline stage (issue 23): ``rules`` (what Settings › Automation
edits), ``engine`` (``on_event``, ``run_due``: where and how often robots act), ``actions`` (what
a robot does)."""

"""Submissions' pure rules: word counts, entry fields per kind, eligibility, CSV rows, the entry's life."""

"""Judging: rubrics, assignment, scoring, normalisation, pairwise comparison."""

"""Judging's pure core: assignment, rubric scoring, normalisation, aggregation, pairwise model."""

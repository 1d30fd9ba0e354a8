"""Shared plumbing of the JSON API: body parsing, CSRF rule, OpenAPI document."""

"""The 18 WSIS Action Line categories, in the order of the WSIS Prizes (slug, title): the categories of a
WSIS-style prize, for the console's template and the demo data alike. Pure."""

from __future__ import annotations

ACTION_LINES: list[tuple[str, str]] = [
    ("c1", "C1 The role of public governance authorities and all stakeholders in the promotion of ICTs "
           "for development"),
    ("c2", "C2 Information and communication infrastructure"),
    ("c3", "C3 Access to information and knowledge"),
    ("c4", "C4 Capacity building"),
    ("c5", "C5 Building confidence and security in use of ICTs"),
    ("c6", "C6 Enabling environment"),
    ("c7-e-government", "C7 ICT applications: E-government"),
    ("c7-e-business", "C7 ICT applications: E-business"),
    ("c7-e-learning", "C7 ICT applications: E-learning"),
    ("c7-e-health", "C7 ICT applications: E-health"),
    ("c7-e-employment", "C7 ICT applications: E-employment"),
    ("c7-e-environment", "C7 ICT applications: E-environment"),
    ("c7-e-agriculture", "C7 ICT applications: E-agriculture"),
    ("c7-e-science", "C7 ICT applications: E-science"),
    ("c8", "C8 Cultural diversity and identity, linguistic diversity and local content"),
    ("c9", "C9 Media"),
    ("c10", "C10 Ethical dimensions of the Information Society"),
    ("c11", "C11 International and regional cooperation"),
]

"""Prompt texts (en, zh), the answer schema and its parsing. Imports nothing else of Perimeter."""

"""Showing results: seaborn figures, tables for sharing, sentences, languages and formats."""

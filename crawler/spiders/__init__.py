"""Spiders of the veille crawler (one generic spider driven by the source list)."""

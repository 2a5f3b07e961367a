"""Instagram audiences: import, interest communities, influencer comparison, engagement."""

"""The Board page (saved garments behind an unguessable link) and Explore's Save."""

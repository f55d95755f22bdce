"""Campaigns at the model level: recipients files, a document per recipient, bulk-call bodies.

Nothing here runs a call; ``simulator.campaign`` simulates the funnel from what these
modules produce.
"""

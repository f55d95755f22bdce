"""Rehearse an outbound campaign: simulate every recipient's call under a behaviour model and
count the funnel (``callflow campaign --behaviour``). Rendering and recipients are
``callflow.campaign``'s; this package only runs and reports the calls."""

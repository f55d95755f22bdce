"""``callflow serve``: a local web page that walks a flow on a keypad.

The page is a front end of the step debugger (``simulator.debugger``), as the terminal of
``simulate --interactive`` is: ``phone`` holds one call per browser tab over a debugger
session, ``flows`` finds the flows under the served folders (and keeps URLs inside them),
``picture`` draws ``callflow.graph`` as SVG, and ``app`` is the only module that imports the
web framework (the ``serve`` extra). Nothing here is imported by the core.
"""

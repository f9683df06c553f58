"""多地联办: joint cases — one application whose steps (转出, 转入) run at two regions' nodes.

See ``docs/adr/0014-joint-cases.md``. Each node keeps a ``JointCase`` with both ``JointStep``\\ s
and the shared timeline (``JointEvent``); the step a node runs is an ordinary ``Case`` in its
department's workbench; step changes travel between the nodes as signed federation messages.
"""

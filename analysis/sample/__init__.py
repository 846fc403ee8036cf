"""The simulated shop: planted effects, the embedded sample and its writers in every format.

Modules, in the order a simulation runs them: ``parameters`` (every planted constant and the
model), ``schedule`` (calendar, products, creators, LIVEs, videos), ``traffic`` (potential cells
and their viewers), ``effects`` (promos, random effects, anomalies and the logit terms of each
cell), ``funnel`` (the counts), ``assemble`` (canonical cells in row order), ``ground_truth``
(``truth.json``); ``simulate`` runs them and writes the sample; ``truth`` reads a sample's truth
and sets it beside estimates; ``exports`` writes cells as TikTok Shop exports; ``switchback``
simulates the shop running a switchback schedule (planted ratio and carry-over).
"""

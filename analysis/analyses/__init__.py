"""The questions analysts ask, each answered by tidy frames built from :mod:`analysis.stats`:
live vs non-live lift, hours, audience, dynamics (interventions, halo, fatigue, durable change,
anomalies), the weekly facts and the kit's self-check.
"""

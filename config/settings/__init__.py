"""Settings package: ``base`` reads the environment, ``dev`` is the embedded default,
``production`` is what a real deployment runs."""

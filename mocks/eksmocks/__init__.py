"""Seeds a moto server with fake AWS accounts for eksposture's tests, demo
and benchmarks.

One module per AWS service holds the create calls and the moto quirks they
work around (``clients``, ``ec2``, ``iam``, ``eks``, ``ecr``, ``ecs``,
``inspector``, ``organization``, ``securityhub``). ``accounts`` describes the
hand-written accounts (``risky``, ``hardened``, ``demo``, ``empty``) as data,
``stack`` builds them, and ``benchmark`` generates an account at a scale.
The command-line scripts beside this package (``seed.py``, ``generate.py``,
``organization.py``, ``securityhub.py``) only parse arguments and print.

Uses only boto3 (which ships with moto) and dummy credentials; it never
talks to anything but the endpoint it is given.
"""

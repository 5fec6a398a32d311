"""The suite's password hasher: argon2 (the same algorithm and stored form as production) with the
smallest cost. Production's cost (100 MiB, ~0.2 s a hash) is right for a login and wrong for a suite
that creates a few users in each of two thousand tests."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1

"""Benchmarks: how fast a chat server carries messages (load.py), and how fast the grader grades
(grading.py). `python -m grader.bench --help` runs either."""

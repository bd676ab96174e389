"""Autograder for the multi-user chat assignment: python -m grader PATH."""

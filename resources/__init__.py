"""Data shipped with Course Certifier: policy profiles, the sample course, the report schema."""

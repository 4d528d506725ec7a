"""Pipeline stages: one module per stage, each exporting one composite PTransform."""

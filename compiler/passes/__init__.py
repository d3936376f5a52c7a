"""Graph-level passes, each a pure function Graph -> Graph, listed in order by
`compiler.passes.pipeline.graph_passes`: shape_infer, decompose, cast_for_compute (precision),
eliminate_dead_code (dce), and the verifier (verify) that may run between them.

Nothing is re-exported here: `compiler.ir_builder` imports the shape rules from this package,
and the passes import the builder.
"""

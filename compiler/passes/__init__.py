"""Graph-level passes, each a pure function Graph -> Graph, listed in order by
`compiler.passes.pipeline.graph_passes`: shape_infer, decompose, simplify, eliminate_dead_code
(dce), cast_for_compute (precision), and the verifier (verify) that may run between them.
The training-step passes live in `compiler.train`.

Nothing is re-exported here: `compiler.ir_builder` imports the shape rules from this package,
and the passes import the builder.
"""

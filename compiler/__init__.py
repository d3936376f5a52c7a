"""Network graphs lowered to tiled instruction streams for one ChipConfig."""

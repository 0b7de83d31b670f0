"""Pure numerics of derivatives from values of f: Fornberg stencils, the default and best
steps and their error model, a stencil applied, the complex step, Richardson
extrapolation, the noise probe. Knows nothing of graphs."""

"""The set decoder and its baseline (docs/architecture.md §4-§5).

* :mod:`.spec` — a request checked against the trained range, as model features;
* :mod:`.tokens` — component, level, pole, zero and gain tokens and their layout;
* :mod:`.schedule` — the cosine DDPM schedule and the few-step DDIM sampler (no weights);
* :mod:`.graph` — the one graph of a circuit, for the torch-geometric encoder;
* :mod:`.decoder` — what both decoders share: the topology head, its config, the factory;
* :mod:`.model` — the set decoder: permutation-equivariant transformer denoiser;
* :mod:`.baseline` — the fixed 2-pole/2-zero decoder kept for comparison;
* :mod:`.sampler` — raw draws from either model; :mod:`.checkpoint` — save / load;
* :mod:`.data`, :mod:`.train` — training; :mod:`.evaluate` — the evaluation protocol.

Importing this package is light; torch loads with the modules that need it.
"""

"""The ``bingham`` command: ``bingham demo`` (the synthetic routing study,
``make demo``), ``bingham study lm`` (the routing study on real text,
``make study``) and ``bingham normalizer`` (a concentration sweep of the
normalizer, from the core)."""
import argparse
import sys


def _study_options(parser, out, long_help):
    """The options every study takes: output folder and budget."""
    parser.add_argument("--out", default=out,
                        help=f"output folder (default: {out})")
    parser.add_argument("--long", action="store_true", help=long_help)
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="bingham", description="Matrix Bingham distributions: demos.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="synthetic routing study: trains MoEs "
                          "with each router, writes a report and figures")
    _study_options(demo, "demo-output",
                   "larger data, more seeds and steps (minutes)")
    study = sub.add_parser("study", help="studies on real data: 'lm' trains "
                           "small MoE language models with each router")
    study.add_argument("which", choices=["lm"])
    _study_options(study, "study-lm-output",
                   "a larger model, corpus and budget")
    study.add_argument("--device", default="cpu")
    norm = sub.add_parser("normalizer", help="concentration sweep of the "
                          "log-normalizer (core only)")
    norm.add_argument("--taus", default="0,0.1,1,5,1000,1e5",
                      help="comma-separated concentration scales")
    args = parser.parse_args(argv)
    if args.command == "normalizer":
        from bingham.__main__ import _demo
        return _demo(args)
    if args.command == "study":
        from .study_lm import run
        path = run(args.out, long=args.long, seeds=args.seeds,
                   steps=args.steps, device=args.device)
    else:
        from .demo import run
        path = run(args.out, long=args.long, seeds=args.seeds,
                   steps=args.steps)
    print(open(path).read())
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

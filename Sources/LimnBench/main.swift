// limn-bench: measurements that do not belong in tests.
//
//   limn-bench tiled IN OUT [--tile N] [--scale S]
//   limn-bench engine [--threads N] [--models DIR] [--size S] [--repeat R] [--json PATH]
//   limn-bench threads MODEL IMAGE [--tile N]
//   limn-bench deblur IMAGE [--model NAME] [--tile N] [--repeat R]
//   limn-bench network PRESET IMAGE [--tile N]
let args = CommandLine.arguments
switch args.count > 1 ? args[1] : "" {
case "tiled": TiledBench.run(Options(args.dropFirst(2)))
case "engine": EngineBench.run(Options(args.dropFirst(2)))
case "threads": ThreadsBench.run(Options(args.dropFirst(2)))
case "deblur": DeblurBench.run(Options(args.dropFirst(2)))
case "network": NetworkBench.run(Options(args.dropFirst(2)))
default: fail("usage: limn-bench tiled|engine|threads|deblur|network ... (see Benchmarks/README.md)")
}

// libFuzzer target: the bytes as a weights file. Any error is fine; a crash,
// a hang or a sanitizer report is a finding.
@_spi(Fuzzing) import Limn
import FuzzDriver
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
func test(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    try? FuzzEntry.loadWeights(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}

runFuzzer(test)

// libFuzzer target: the bytes as an input image, at most 4 megapixels (a larger
// declared size must be refused from the header, before any pixel is decoded).
@_spi(Fuzzing) import Limn
import FuzzDriver
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
func test(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    try? FuzzEntry.readImage(bytes.map { Data(bytes: $0, count: count) } ?? Data(), maxPixels: 1 << 22)
    return 0
}

runFuzzer(test)

/// H.264 without an encoder: every macroblock is I_PCM (its samples sent as they are), every
/// picture an IDR slice, CAVLC, Constrained Baseline. Large per frame, but any H.264 decoder plays it.
enum H264PCMEncoder {
    /// A picture in 4:2:0 YCbCr at macroblock size: `luma` is `mbWidth*16 × mbHeight*16`, each
    /// chroma plane a quarter of that.
    struct Picture {
        var mbWidth: Int
        var mbHeight: Int
        var luma: [UInt8]
        var cb: [UInt8]
        var cr: [UInt8]
    }

    /// Converts an RGB painter to a `Picture` of `width × height` (even), padded to whole macroblocks.
    static func picture(width: Int, height: Int, pixel: (Int, Int) -> (UInt8, UInt8, UInt8)) -> Picture {
        let mbw = (width + 15) / 16, mbh = (height + 15) / 16
        let w = mbw * 16, h = mbh * 16
        var luma = [UInt8](repeating: 16, count: w * h)
        var cb = [UInt8](repeating: 128, count: w * h / 4), cr = cb
        var cbSum = [Int](repeating: 0, count: w * h / 4), crSum = cbSum
        for y in 0..<h {
            for x in 0..<w {
                // Padding repeats the last row and column, so the crop edge shows no seam.
                let (r, g, b) = pixel(min(x, width - 1), min(y, height - 1))
                let (R, G, B) = (Int(r), Int(g), Int(b))
                // BT.601, limited range, in 8-bit fixed point.
                luma[y * w + x] = clampPCM(16 + (66 * R + 129 * G + 25 * B + 128) >> 8)
                let c = (y / 2) * (w / 2) + x / 2
                cbSum[c] += 128 + ((-38 * R - 74 * G + 112 * B + 128) >> 8)
                crSum[c] += 128 + ((112 * R - 94 * G - 18 * B + 128) >> 8)
            }
        }
        for i in cb.indices {
            cb[i] = clampPCM(cbSum[i] / 4)
            cr[i] = clampPCM(crSum[i] / 4)
        }
        return Picture(mbWidth: mbw, mbHeight: mbh, luma: luma, cb: cb, cr: cr)
    }

    /// Early decoders refuse a PCM sample of 0; 1...254 is safe everywhere.
    private static func clampPCM(_ v: Int) -> UInt8 { UInt8(max(1, min(254, v))) }

    /// The sequence parameter set NAL unit (with its header byte), cropping the padding away.
    static func sps(width: Int, height: Int) -> [UInt8] {
        let mbw = (width + 15) / 16, mbh = (height + 15) / 16
        var b = BitWriter()
        b.bits(66, 8)  // profile_idc: Baseline
        b.bits(0xC0, 8)  // constraint_set0 and set1: Constrained Baseline
        b.bits(30, 8)  // level_idc 3.0
        b.ue(0)  // seq_parameter_set_id
        b.ue(0)  // log2_max_frame_num_minus4
        b.ue(2)  // pic_order_cnt_type: from frame_num, no reordering
        b.ue(1)  // max_num_ref_frames
        b.bits(0, 1)  // gaps_in_frame_num_value_allowed_flag
        b.ue(mbw - 1)
        b.ue(mbh - 1)
        b.bits(1, 1)  // frame_mbs_only_flag
        b.bits(1, 1)  // direct_8x8_inference_flag
        let cropRight = (mbw * 16 - width) / 2, cropBottom = (mbh * 16 - height) / 2
        if cropRight > 0 || cropBottom > 0 {
            b.bits(1, 1)
            b.ue(0); b.ue(cropRight); b.ue(0); b.ue(cropBottom)
        } else {
            b.bits(0, 1)
        }
        b.bits(0, 1)  // vui_parameters_present_flag
        return nal(type: 7, b.trailing())
    }

    static func pps() -> [UInt8] {
        var b = BitWriter()
        b.ue(0); b.ue(0)  // pic and seq parameter set ids
        b.bits(0, 1)  // CAVLC
        b.bits(0, 1)  // bottom_field_pic_order_in_frame_present_flag
        b.ue(0)  // num_slice_groups_minus1
        b.ue(0); b.ue(0)  // num_ref_idx_l0/l1_default_active_minus1
        b.bits(0, 1); b.bits(0, 2)  // no weighted prediction
        b.se(0); b.se(0); b.se(0)  // pic_init_qp/qs_minus26, chroma_qp_index_offset
        b.bits(1, 1)  // deblocking_filter_control_present_flag: the slice turns it off
        b.bits(0, 1); b.bits(0, 1)  // constrained_intra_pred, redundant_pic_cnt_present
        return nal(type: 8, b.trailing())
    }

    /// One picture as an IDR slice NAL unit; consecutive IDRs must differ in `idrPicId`.
    static func slice(_ p: Picture, idrPicId: Int) -> [UInt8] {
        var b = BitWriter()
        b.ue(0)  // first_mb_in_slice
        b.ue(7)  // slice_type: I, and so are all slices of the picture
        b.ue(0)  // pic_parameter_set_id
        b.bits(0, 4)  // frame_num
        b.ue(idrPicId & 0xFFFF)
        b.bits(0, 1); b.bits(0, 1)  // no_output_of_prior_pics_flag, long_term_reference_flag
        b.se(0)  // slice_qp_delta
        b.ue(1)  // disable_deblocking_filter_idc: the samples are shown exactly as sent
        let w = p.mbWidth * 16, cw = w / 2
        for mby in 0..<p.mbHeight {
            for mbx in 0..<p.mbWidth {
                b.ue(25)  // mb_type I_PCM
                b.align()
                for y in 0..<16 { b.bytes(p.luma[((mby * 16 + y) * w + mbx * 16)...].prefix(16)) }
                for plane in [p.cb, p.cr] {
                    for y in 0..<8 { b.bytes(plane[((mby * 8 + y) * cw + mbx * 8)...].prefix(8)) }
                }
            }
        }
        return nal(type: 5, b.trailing())
    }

    /// A NAL unit: its header (nal_ref_idc 3), then the RBSP with emulation prevention bytes.
    private static func nal(type: UInt8, _ rbsp: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x60 | type]
        out.reserveCapacity(rbsp.count + rbsp.count / 64 + 1)
        var zeros = 0
        for byte in rbsp {
            if zeros >= 2 && byte <= 3 {
                out.append(3)
                zeros = 0
            }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return out
    }

    /// Bits, most significant first; Exp-Golomb codes.
    struct BitWriter {
        private(set) var out: [UInt8] = []
        private var acc: UInt32 = 0
        private var count = 0

        mutating func bits(_ value: UInt32, _ n: Int) {
            for i in stride(from: n - 1, through: 0, by: -1) {
                acc = acc << 1 | (value >> UInt32(i) & 1)
                count += 1
                if count == 8 { out.append(UInt8(acc)); acc = 0; count = 0 }
            }
        }

        mutating func ue(_ v: Int) {
            let x = UInt32(v + 1)
            let length = 32 - x.leadingZeroBitCount
            bits(0, length - 1)
            bits(x, length)
        }

        mutating func se(_ v: Int) { ue(v > 0 ? 2 * v - 1 : -2 * v) }

        mutating func align() { while count != 0 { bits(0, 1) } }

        mutating func bytes(_ s: ArraySlice<UInt8>) {
            precondition(count == 0)
            out.append(contentsOf: s)
        }

        /// rbsp_trailing_bits: a stop bit, then zeros to the byte boundary.
        mutating func trailing() -> [UInt8] {
            bits(1, 1)
            align()
            return out
        }
    }
}

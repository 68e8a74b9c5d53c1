;; Single-precision GEMM in WebAssembly SIMD: C[M×N] = op(A)·op(B), float32 throughout.
;;
;; Compiled by scripts/build-wasm.mjs (the npm package `wabt`) into gemm.generated.cjs, which
;; engine/ops/kernels/wasm/gemm-wasm.ts loads. The caller (gemm-wasm.ts) owns the memory layout:
;; it copies the operands into this module's memory, passes byte addresses, and reads C back.
;;
;; Operands are described by element strides, so the transposes cost nothing extra:
;;   A(i,k) = f32[a + 4·(i·rsA + k·csA)]    B(k,j) = f32[b + 4·(k·rsB + j·csB)]
;;   C(i,j) = f32[c + 4·(i·N + j)]           (C is dense row-major)
;;
;; Structure (GotoBLAS/BLIS): blocks of B (KC×NC) and A (MC×KC) are packed into micro-panels:
;;   packed A: ⌈mc/4⌉ panels of [kc][4]  (4 rows of A interleaved along k, zero-padded)
;;   packed B: ⌈nc/8⌉ panels of [kc][8]  (8 columns of B interleaved along k, zero-padded)
;; and the micro-kernel computes a 4×8 tile of C in eight f32x4 registers: per k it loads one
;; 8-float row of the B panel (two v128), splats each of the 4 A values, and does 8 multiplies
;; and 8 adds (no fused multiply-add: plain SIMD is deterministic on every engine).
;;
;; Small M (M ≤ 8) with B stored row-major (csB = 1): B is not packed. Each B element would be
;; used by at most 8 rows, so packing it costs as much as the product; the micro-kernel reads the
;; 8 columns straight from B's rows instead (stride rsB per k). A is still packed (≤ 8·K floats).
;; Partial tiles of unpacked B read up to 7 floats past a row; the caller pads B by 8 floats.
;; Small M with B stored transposed (csB ≠ 1) and K > 32: no packing either; $dot takes dot
;; products of A's rows with B's columns, both contiguous along k (A is copied row-major first if
;; it is not). The caller provides max(packedABytes(), 32·K) bytes at `ap` for that copy.
;;
;; Summation order: in the packed path every C element is Σ over k in increasing order within a K
;; block (float32 accumulator per lane), and the K blocks are added to C in increasing order; in
;; $dot, four partial sums (k mod 4) are added pairwise at the end. The order depends only on
;; (M, N, K, strides), never on addresses or timing: the same inputs give bitwise the same C on
;; every call.
;;
;; Bytes 0..127 of memory are the scratch tile for partial 4×8 tiles; the caller's data starts
;; above that.
(module
  (memory (export "memory") 1)

  ;; Block sizes. KC: a B micro-panel (KC·8 floats = 8 KB) stays in L1 while the micro-kernel
  ;; sweeps the A block; MC·KC floats (128 KB) of packed A stay in L2; NC columns of packed B
  ;; (KC·NC floats = 1 MB) are reused by every MC-row block of A.
  (global $KC i32 (i32.const 256))
  (global $MC i32 (i32.const 128))
  (global $NC i32 (i32.const 1024))

  ;; Bytes the caller must provide at `ap` and `bp` for packed A and packed B.
  (func (export "packedABytes") (result i32)
    (i32.mul (i32.mul (global.get $MC) (global.get $KC)) (i32.const 4)))
  (func (export "packedBBytes") (result i32)
    (i32.mul (i32.mul (global.get $NC) (global.get $KC)) (i32.const 4)))

  ;; ---------------------------------------------------------------------------------------
  ;; The micro-kernel: the 4×8 tile T = Σ_{k<kc} Apanel[k][0..3] ⊗ Bpanel[k][0..7].
  ;;   pa:  packed A panel ([kc][4] floats, 16 bytes per k)
  ;;   pb:  first B row of the panel; ldb: bytes from one k to the next (32 when packed)
  ;;   c:   address of C(i0, j0); ldc: bytes per C row
  ;;   mr, nr: how much of the tile is inside C (≤ 4, ≤ 8)
  ;;   add: 0 stores T into C, 1 adds T to C (later K blocks)
  ;; ---------------------------------------------------------------------------------------
  (func $micro (param $pa i32) (param $pb i32) (param $ldb i32) (param $kc i32)
               (param $c i32) (param $ldc i32) (param $mr i32) (param $nr i32) (param $add i32)
    (local $end i32) (local $r i32) (local $j i32) (local $src i32) (local $dst i32)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local $c00 v128) (local $c01 v128)   ;; row 0, columns 0-3 and 4-7
    (local $c10 v128) (local $c11 v128)   ;; row 1
    (local $c20 v128) (local $c21 v128)   ;; row 2
    (local $c30 v128) (local $c31 v128)   ;; row 3
    (local.set $end (i32.add (local.get $pa) (i32.shl (local.get $kc) (i32.const 4))))
    (loop $k
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $s (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $s (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $s (v128.load32_splat offset=8 (local.get $pa)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $s (v128.load32_splat offset=12 (local.get $pa)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
      (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
      (br_if $k (i32.lt_u (local.get $pa) (local.get $end))))

    (if (i32.and (i32.eq (local.get $mr) (i32.const 4)) (i32.eq (local.get $nr) (i32.const 8)))
      (then
        ;; A whole tile: straight to C.
        (if (local.get $add)
          (then
            (local.set $c00 (f32x4.add (v128.load (local.get $c)) (local.get $c00)))
            (local.set $c01 (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c01)))
            (local.set $c (i32.add (local.get $c) (local.get $ldc)))
            (local.set $c10 (f32x4.add (v128.load (local.get $c)) (local.get $c10)))
            (local.set $c11 (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c11)))
            (local.set $c (i32.add (local.get $c) (local.get $ldc)))
            (local.set $c20 (f32x4.add (v128.load (local.get $c)) (local.get $c20)))
            (local.set $c21 (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c21)))
            (local.set $c (i32.add (local.get $c) (local.get $ldc)))
            (local.set $c30 (f32x4.add (v128.load (local.get $c)) (local.get $c30)))
            (local.set $c31 (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c31)))
            ;; back to row 0
            (local.set $c (i32.sub (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))))))
        (v128.store (local.get $c) (local.get $c00))
        (v128.store offset=16 (local.get $c) (local.get $c01))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c10))
        (v128.store offset=16 (local.get $c) (local.get $c11))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c20))
        (v128.store offset=16 (local.get $c) (local.get $c21))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c30))
        (v128.store offset=16 (local.get $c) (local.get $c31)))
      (else
        ;; An edge tile: park it in the scratch tile (row r at byte 32·r), copy its mr×nr part.
        (v128.store offset=0 (i32.const 0) (local.get $c00))
        (v128.store offset=16 (i32.const 0) (local.get $c01))
        (v128.store offset=32 (i32.const 0) (local.get $c10))
        (v128.store offset=48 (i32.const 0) (local.get $c11))
        (v128.store offset=64 (i32.const 0) (local.get $c20))
        (v128.store offset=80 (i32.const 0) (local.get $c21))
        (v128.store offset=96 (i32.const 0) (local.get $c30))
        (v128.store offset=112 (i32.const 0) (local.get $c31))
        (local.set $r (i32.const 0))
        (loop $rows
          (local.set $src (i32.shl (local.get $r) (i32.const 5)))
          (local.set $dst (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldc))))
          (local.set $j (i32.const 0))
          (loop $cols
            (f32.store (local.get $dst)
              (if (result f32) (local.get $add)
                (then (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
                (else (f32.load (local.get $src)))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $cols (i32.lt_u (local.get $j) (local.get $nr))))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rows (i32.lt_u (local.get $r) (local.get $mr)))))))

  ;; ---------------------------------------------------------------------------------------
  ;; Transposes the 4×4 block whose rows are r0..r3 and stores its rows (the columns of the
  ;; input) at dst, dst + stride, dst + 2·stride, dst + 3·stride. Used by the packing of
  ;; operands stored the other way round (A row-major, B transposed): 4 loads, 8 shuffles and 4
  ;; stores instead of 16 scalar moves.
  ;; ---------------------------------------------------------------------------------------
  (func $transpose4 (param $r0 v128) (param $r1 v128) (param $r2 v128) (param $r3 v128)
                    (param $dst i32) (param $stride i32)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ;; t0 = r0[0] r1[0] r0[1] r1[1]    t1 = r2[0] r3[0] r2[1] r3[1]
    ;; t2 = r0[2] r1[2] r0[3] r1[3]    t3 = r2[2] r3[2] r2[3] r3[3]
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
    (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
    (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
    ;; column j = the low or high halves of (t0, t1) or (t2, t3)
    (v128.store (local.get $dst)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3))))

  ;; ---------------------------------------------------------------------------------------
  ;; Packs the mc×kc block of A whose (0,0) is at `src` into ⌈mc/4⌉ panels of [kc][4] at `dst`
  ;; (row strides rs, k strides cs, in elements), zero-padding the last panel's missing rows.
  ;; ---------------------------------------------------------------------------------------
  (func $packA (param $src i32) (param $rs i32) (param $cs i32) (param $mc i32) (param $kc i32) (param $dst i32)
    (local $ir i32) (local $mr i32) (local $p i32) (local $k i32) (local $r i32) (local $rsb i32) (local $csb i32)
    (local.set $rsb (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $csb (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $ir (i32.const 0))
    (loop $panels
      (local.set $mr (i32.sub (local.get $mc) (local.get $ir)))
      (if (i32.gt_s (local.get $mr) (i32.const 4)) (then (local.set $mr (i32.const 4))))
      (local.set $p (i32.add (local.get $src) (i32.mul (local.get $ir) (local.get $rsb))))
      (local.set $k (i32.const 0))
      (if (i32.eq (local.get $mr) (i32.const 4))
        (then
          (if (i32.eq (local.get $rs) (i32.const 1))
            (then
              ;; A stored transposed: the 4 rows at one k are adjacent, one v128 copy.
              (loop $k4t
                (v128.store (local.get $dst) (v128.load (local.get $p)))
                (local.set $p (i32.add (local.get $p) (local.get $csb)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br_if $k4t (i32.lt_u (local.get $k) (local.get $kc)))))
            (else
              (if (i32.eq (local.get $cs) (i32.const 1))
                (then
                  ;; A row-major: 4 k at a time, as 4×4 transposes.
                  (block $done4
                    (loop $k4r
                      (br_if $done4 (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))
                      (call $transpose4
                        (v128.load (local.get $p))
                        (v128.load (i32.add (local.get $p) (local.get $rsb)))
                        (v128.load (i32.add (local.get $p) (i32.shl (local.get $rsb) (i32.const 1))))
                        (v128.load (i32.add (local.get $p) (i32.mul (local.get $rsb) (i32.const 3))))
                        (local.get $dst) (i32.const 16))
                      (local.set $p (i32.add (local.get $p) (i32.const 16)))
                      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
                      (local.set $k (i32.add (local.get $k) (i32.const 4)))
                      (br $k4r)))))
              ;; the remaining k one at a time (all of them for other strides)
              (if (i32.lt_u (local.get $k) (local.get $kc)) (then
              (loop $k4
                (f32.store offset=0 (local.get $dst) (f32.load (local.get $p)))
                (f32.store offset=4 (local.get $dst) (f32.load (i32.add (local.get $p) (local.get $rsb))))
                (f32.store offset=8 (local.get $dst)
                  (f32.load (i32.add (local.get $p) (i32.shl (local.get $rsb) (i32.const 1)))))
                (f32.store offset=12 (local.get $dst)
                  (f32.load (i32.add (local.get $p) (i32.mul (local.get $rsb) (i32.const 3)))))
                (local.set $p (i32.add (local.get $p) (local.get $csb)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br_if $k4 (i32.lt_u (local.get $k) (local.get $kc)))))))))
        (else
          ;; The last, partial panel: mr < 4 rows, zeros below.
          (loop $kp
            (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
            (local.set $r (i32.const 0))
            (loop $rows
              (f32.store (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
                (f32.load (i32.add (local.get $p) (i32.mul (local.get $r) (local.get $rsb)))))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $rows (i32.lt_u (local.get $r) (local.get $mr))))
            (local.set $p (i32.add (local.get $p) (local.get $csb)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $kp (i32.lt_u (local.get $k) (local.get $kc))))))
      (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
      (br_if $panels (i32.lt_u (local.get $ir) (local.get $mc)))))

  ;; ---------------------------------------------------------------------------------------
  ;; Packs the kc×nc block of B whose (0,0) is at `src` into ⌈nc/8⌉ panels of [kc][8] at `dst`
  ;; (k strides rs, column strides cs, in elements), zero-padding the last panel's columns.
  ;; ---------------------------------------------------------------------------------------
  (func $packB (param $src i32) (param $rs i32) (param $cs i32) (param $kc i32) (param $nc i32) (param $dst i32)
    (local $jr i32) (local $nr i32) (local $p i32) (local $q i32) (local $k i32) (local $j i32)
    (local $rsb i32) (local $csb i32)
    (local.set $rsb (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $csb (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $jr (i32.const 0))
    (loop $panels
      (local.set $nr (i32.sub (local.get $nc) (local.get $jr)))
      (if (i32.gt_s (local.get $nr) (i32.const 8)) (then (local.set $nr (i32.const 8))))
      (local.set $p (i32.add (local.get $src) (i32.mul (local.get $jr) (local.get $csb))))
      (local.set $k (i32.const 0))
      (if (i32.and (i32.eq (local.get $nr) (i32.const 8)) (i32.eq (local.get $cs) (i32.const 1)))
        (then
          ;; B row-major: the 8 columns at one k are adjacent, two v128 copies.
          (loop $k8
            (v128.store offset=0 (local.get $dst) (v128.load offset=0 (local.get $p)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $rsb)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $k8 (i32.lt_u (local.get $k) (local.get $kc)))))
        (else
          (if (i32.eq (local.get $nr) (i32.const 8))
            (then
              (if (i32.eq (local.get $rs) (i32.const 1))
                (then
                  ;; B stored transposed (8 columns, each contiguous along k): 4 k at a time, as
                  ;; two 4×4 transposes (columns 0-3 and 4-7).
                  (block $done4
                    (loop $k4t
                      (br_if $done4 (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))
                      (local.set $q (local.get $p))
                      (call $transpose4
                        (v128.load (local.get $q))
                        (v128.load (local.tee $q (i32.add (local.get $q) (local.get $csb))))
                        (v128.load (local.tee $q (i32.add (local.get $q) (local.get $csb))))
                        (v128.load (local.tee $q (i32.add (local.get $q) (local.get $csb))))
                        (local.get $dst) (i32.const 32))
                      (call $transpose4
                        (v128.load (local.tee $q (i32.add (local.get $q) (local.get $csb))))
                        (v128.load (local.tee $q (i32.add (local.get $q) (local.get $csb))))
                        (v128.load (local.tee $q (i32.add (local.get $q) (local.get $csb))))
                        (v128.load (local.tee $q (i32.add (local.get $q) (local.get $csb))))
                        (i32.add (local.get $dst) (i32.const 16)) (i32.const 32))
                      (local.set $p (i32.add (local.get $p) (i32.const 16)))
                      (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
                      (local.set $k (i32.add (local.get $k) (i32.const 4)))
                      (br $k4t)))))
              ;; the remaining k one at a time (all of them for other strides)
              (if (i32.lt_u (local.get $k) (local.get $kc)) (then
              (loop $k8t
                (local.set $q (local.get $p))
                (f32.store offset=0 (local.get $dst) (f32.load (local.get $q)))
                (local.set $q (i32.add (local.get $q) (local.get $csb)))
                (f32.store offset=4 (local.get $dst) (f32.load (local.get $q)))
                (local.set $q (i32.add (local.get $q) (local.get $csb)))
                (f32.store offset=8 (local.get $dst) (f32.load (local.get $q)))
                (local.set $q (i32.add (local.get $q) (local.get $csb)))
                (f32.store offset=12 (local.get $dst) (f32.load (local.get $q)))
                (local.set $q (i32.add (local.get $q) (local.get $csb)))
                (f32.store offset=16 (local.get $dst) (f32.load (local.get $q)))
                (local.set $q (i32.add (local.get $q) (local.get $csb)))
                (f32.store offset=20 (local.get $dst) (f32.load (local.get $q)))
                (local.set $q (i32.add (local.get $q) (local.get $csb)))
                (f32.store offset=24 (local.get $dst) (f32.load (local.get $q)))
                (local.set $q (i32.add (local.get $q) (local.get $csb)))
                (f32.store offset=28 (local.get $dst) (f32.load (local.get $q)))
                (local.set $p (i32.add (local.get $p) (local.get $rsb)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br_if $k8t (i32.lt_u (local.get $k) (local.get $kc)))))))
            (else
              ;; The last, partial panel: nr < 8 columns, zeros to the right.
              (loop $kp
                (v128.store offset=0 (local.get $dst) (v128.const i32x4 0 0 0 0))
                (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
                (local.set $q (local.get $p))
                (local.set $j (i32.const 0))
                (loop $cols
                  (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
                    (f32.load (local.get $q)))
                  (local.set $q (i32.add (local.get $q) (local.get $csb)))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br_if $cols (i32.lt_u (local.get $j) (local.get $nr))))
                (local.set $p (i32.add (local.get $p) (local.get $rsb)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br_if $kp (i32.lt_u (local.get $k) (local.get $kc))))))))
      (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
      (br_if $panels (i32.lt_u (local.get $jr) (local.get $nc)))))

  ;; Copies the m×k matrix at src (strides rs, cs in elements) to dst, row-major.
  (func $copyRows (param $src i32) (param $rs i32) (param $cs i32) (param $m i32) (param $k i32) (param $dst i32)
    (local $i i32) (local $kk i32) (local $p i32) (local $csb i32)
    (local.set $csb (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $p (i32.add (local.get $src) (i32.shl (i32.mul (local.get $i) (local.get $rs)) (i32.const 2))))
      (local.set $kk (i32.const 0))
      (loop $cols
        (f32.store (local.get $dst) (f32.load (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $csb)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $kk) (local.get $k))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $m)))))

  ;; ---------------------------------------------------------------------------------------
  ;; Small M with B stored transposed (each column of B contiguous along k): dot products, no
  ;; packing. For up to 4 rows of A (row-contiguous, `lda` bytes apart) and 2 columns of B at a
  ;; time, 8 f32x4 accumulators sum lanes k ≡ 0, 1, 2, 3 (mod 4); the last K mod 4 terms are
  ;; loaded zero-filled; each C element is then (l0 + l1) + (l2 + l3). Rows past mr and a missing
  ;; last column reuse row 0 / the previous column (computed, not stored).
  ;;   a: row 0 of the A block; mr ≤ 4 rows; b: column 0 of B, columns `ldb` bytes apart;
  ;;   c: C(row 0, 0), rows `ldc` bytes apart.
  ;; ---------------------------------------------------------------------------------------
  (func $tail (param $p i32) (param $t i32) (result v128)
    ;; the t (1-3) floats at p, zero-filled to a vector, reading nothing past them
    (if (result v128) (i32.eq (local.get $t) (i32.const 1))
      (then (v128.load32_zero (local.get $p)))
      (else
        (if (result v128) (i32.eq (local.get $t) (i32.const 2))
          (then (v128.load64_zero (local.get $p)))
          (else (v128.load32_lane offset=8 2 (local.get $p) (v128.load64_zero (local.get $p))))))))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func $dot (param $a i32) (param $lda i32) (param $mr i32) (param $b i32) (param $ldb i32)
             (param $N i32) (param $K i32) (param $c i32) (param $ldc i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $j i32) (local $p0 i32) (local $p1 i32) (local $kb i32) (local $end i32) (local $t i32)
    (local $has1 i32) (local $o i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $y0 v128) (local $y1 v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $a0 (local.get $a))
    (local.set $a1 (select (i32.add (local.get $a0) (local.get $lda)) (local.get $a0) (i32.gt_u (local.get $mr) (i32.const 1))))
    (local.set $a2 (select (i32.add (local.get $a1) (local.get $lda)) (local.get $a0) (i32.gt_u (local.get $mr) (i32.const 2))))
    (local.set $a3 (select (i32.add (local.get $a2) (local.get $lda)) (local.get $a0) (i32.gt_u (local.get $mr) (i32.const 3))))
    (local.set $end (i32.shl (i32.and (local.get $K) (i32.const -4)) (i32.const 2)))   ;; bytes of whole vectors
    (local.set $t (i32.and (local.get $K) (i32.const 3)))
    (local.set $j (i32.const 0))
    (loop $cols
      (local.set $has1 (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $N)))
      (local.set $p0 (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $ldb))))
      (local.set $p1 (select (i32.add (local.get $p0) (local.get $ldb)) (local.get $p0) (local.get $has1)))
      (local.set $s00 (v128.const i32x4 0 0 0 0)) (local.set $s01 (v128.const i32x4 0 0 0 0))
      (local.set $s10 (v128.const i32x4 0 0 0 0)) (local.set $s11 (v128.const i32x4 0 0 0 0))
      (local.set $s20 (v128.const i32x4 0 0 0 0)) (local.set $s21 (v128.const i32x4 0 0 0 0))
      (local.set $s30 (v128.const i32x4 0 0 0 0)) (local.set $s31 (v128.const i32x4 0 0 0 0))
      (local.set $kb (i32.const 0))
      (block $whole
        (br_if $whole (i32.eqz (local.get $end)))
        (loop $k
          (local.set $y0 (v128.load (i32.add (local.get $p0) (local.get $kb))))
          (local.set $y1 (v128.load (i32.add (local.get $p1) (local.get $kb))))
          (local.set $x0 (v128.load (i32.add (local.get $a0) (local.get $kb))))
          (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x0) (local.get $y0))))
          (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x0) (local.get $y1))))
          (local.set $x1 (v128.load (i32.add (local.get $a1) (local.get $kb))))
          (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x1) (local.get $y0))))
          (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x1) (local.get $y1))))
          (local.set $x2 (v128.load (i32.add (local.get $a2) (local.get $kb))))
          (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $x2) (local.get $y0))))
          (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $x2) (local.get $y1))))
          (local.set $x3 (v128.load (i32.add (local.get $a3) (local.get $kb))))
          (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $x3) (local.get $y0))))
          (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $x3) (local.get $y1))))
          (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
          (br_if $k (i32.lt_u (local.get $kb) (local.get $end)))))
      (if (local.get $t)
        (then
          ;; the last K mod 4 terms, zero-filled
          (local.set $y0 (call $tail (i32.add (local.get $p0) (local.get $end)) (local.get $t)))
          (local.set $y1 (call $tail (i32.add (local.get $p1) (local.get $end)) (local.get $t)))
          (local.set $x0 (call $tail (i32.add (local.get $a0) (local.get $end)) (local.get $t)))
          (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x0) (local.get $y0))))
          (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x0) (local.get $y1))))
          (local.set $x1 (call $tail (i32.add (local.get $a1) (local.get $end)) (local.get $t)))
          (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x1) (local.get $y0))))
          (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x1) (local.get $y1))))
          (local.set $x2 (call $tail (i32.add (local.get $a2) (local.get $end)) (local.get $t)))
          (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $x2) (local.get $y0))))
          (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $x2) (local.get $y1))))
          (local.set $x3 (call $tail (i32.add (local.get $a3) (local.get $end)) (local.get $t)))
          (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $x3) (local.get $y0))))
          (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $x3) (local.get $y1))))))
      ;; C(r, j) and C(r, j+1) for the rows that exist
      (local.set $o (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
      (f32.store (local.get $o) (call $hsum (local.get $s00)))
      (if (local.get $has1) (then (f32.store offset=4 (local.get $o) (call $hsum (local.get $s01)))))
      (if (i32.gt_u (local.get $mr) (i32.const 1))
        (then
          (local.set $o (i32.add (local.get $o) (local.get $ldc)))
          (f32.store (local.get $o) (call $hsum (local.get $s10)))
          (if (local.get $has1) (then (f32.store offset=4 (local.get $o) (call $hsum (local.get $s11)))))))
      (if (i32.gt_u (local.get $mr) (i32.const 2))
        (then
          (local.set $o (i32.add (local.get $o) (local.get $ldc)))
          (f32.store (local.get $o) (call $hsum (local.get $s20)))
          (if (local.get $has1) (then (f32.store offset=4 (local.get $o) (call $hsum (local.get $s21)))))))
      (if (i32.gt_u (local.get $mr) (i32.const 3))
        (then
          (local.set $o (i32.add (local.get $o) (local.get $ldc)))
          (f32.store (local.get $o) (call $hsum (local.get $s30)))
          (if (local.get $has1) (then (f32.store offset=4 (local.get $o) (call $hsum (local.get $s31)))))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br_if $cols (i32.lt_u (local.get $j) (local.get $N)))))

  ;; ---------------------------------------------------------------------------------------
  ;; C = op(A)·op(B) (see the top of the file). M, N, K ≥ 1. `ap` and `bp` are scratch for the
  ;; packed blocks (packedABytes() and packedBBytes() bytes).
  ;; ---------------------------------------------------------------------------------------
  (func (export "gemm")
    (param $a i32) (param $rsA i32) (param $csA i32)
    (param $b i32) (param $rsB i32) (param $csB i32)
    (param $c i32) (param $M i32) (param $N i32) (param $K i32)
    (param $ap i32) (param $bp i32)
    (local $ldc i32) (local $kcMax i32) (local $direct i32)
    (local $jc i32) (local $nc i32) (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32)
    (local $jr i32) (local $nr i32) (local $ir i32) (local $mr i32)
    (local $pb i32) (local $ldb i32) (local $cRow i32)
    (local.set $ldc (i32.shl (local.get $N) (i32.const 2)))
    ;; Small M with B stored transposed: dot products (see $dot). A's rows must be contiguous:
    ;; when A is stored transposed its ≤ 8×K values are first copied row-major to `ap`.
    ;; (Only for K > 32: with fewer terms the horizontal sums cost more than packing B.)
    (if (i32.and (i32.and (i32.le_u (local.get $M) (i32.const 8)) (i32.gt_u (local.get $K) (i32.const 32)))
                 (i32.and (i32.eq (local.get $rsB) (i32.const 1)) (i32.ne (local.get $csB) (i32.const 1))))
      (then
        (if (i32.ne (local.get $csA) (i32.const 1))
          (then
            (call $copyRows (local.get $a) (local.get $rsA) (local.get $csA) (local.get $M) (local.get $K) (local.get $ap))
            (local.set $a (local.get $ap))
            (local.set $rsA (local.get $K))))
        (local.set $ic (i32.const 0))
        (loop $rows
          (local.set $mr (i32.sub (local.get $M) (local.get $ic)))
          (if (i32.gt_s (local.get $mr) (i32.const 4)) (then (local.set $mr (i32.const 4))))
          (call $dot
            (i32.add (local.get $a) (i32.shl (i32.mul (local.get $ic) (local.get $rsA)) (i32.const 2)))
            (i32.shl (local.get $rsA) (i32.const 2)) (local.get $mr)
            (local.get $b) (i32.shl (local.get $csB) (i32.const 2)) (local.get $N) (local.get $K)
            (i32.add (local.get $c) (i32.mul (local.get $ic) (local.get $ldc))) (local.get $ldc))
          (local.set $ic (i32.add (local.get $ic) (i32.const 4)))
          (br_if $rows (i32.lt_u (local.get $ic) (local.get $M))))
        (return)))
    ;; Even K blocks: K = 784 gives 4 × 196, not 3 × 256 + 16.
    (local.set $kcMax
      (i32.div_u (i32.sub (i32.add (local.get $K) (global.get $KC)) (i32.const 1)) (global.get $KC)))
    (local.set $kcMax
      (i32.div_u (i32.sub (i32.add (local.get $K) (local.get $kcMax)) (i32.const 1)) (local.get $kcMax)))
    ;; Small M with row-major B: read B in place (see the top of the file).
    (local.set $direct (i32.and (i32.le_u (local.get $M) (i32.const 8)) (i32.eq (local.get $csB) (i32.const 1))))
    (local.set $jc (i32.const 0))
    (loop $jcLoop
      (local.set $nc (i32.sub (local.get $N) (local.get $jc)))
      (if (i32.gt_s (local.get $nc) (global.get $NC)) (then (local.set $nc (global.get $NC))))
      (local.set $pc (i32.const 0))
      (loop $pcLoop
        (local.set $kc (i32.sub (local.get $K) (local.get $pc)))
        (if (i32.gt_s (local.get $kc) (local.get $kcMax)) (then (local.set $kc (local.get $kcMax))))
        (if (i32.eqz (local.get $direct))
          (then
            (call $packB
              (i32.add (local.get $b)
                (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $rsB)) (i32.mul (local.get $jc) (local.get $csB)))
                  (i32.const 2)))
              (local.get $rsB) (local.get $csB) (local.get $kc) (local.get $nc) (local.get $bp))))
        (local.set $ic (i32.const 0))
        (loop $icLoop
          (local.set $mc (i32.sub (local.get $M) (local.get $ic)))
          (if (i32.gt_s (local.get $mc) (global.get $MC)) (then (local.set $mc (global.get $MC))))
          (call $packA
            (i32.add (local.get $a)
              (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $rsA)) (i32.mul (local.get $pc) (local.get $csA)))
                (i32.const 2)))
            (local.get $rsA) (local.get $csA) (local.get $mc) (local.get $kc) (local.get $ap))
          (local.set $jr (i32.const 0))
          (loop $jrLoop
            (local.set $nr (i32.sub (local.get $nc) (local.get $jr)))
            (if (i32.gt_s (local.get $nr) (i32.const 8)) (then (local.set $nr (i32.const 8))))
            (if (local.get $direct)
              (then
                (local.set $pb (i32.add (local.get $b)
                  (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $rsB)) (i32.add (local.get $jc) (local.get $jr)))
                    (i32.const 2))))
                (local.set $ldb (i32.shl (local.get $rsB) (i32.const 2))))
              (else
                (local.set $pb (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2))))
                (local.set $ldb (i32.const 32))))
            ;; C(ic, jc + jr)
            (local.set $cRow (i32.add (local.get $c)
              (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $N)) (i32.add (local.get $jc) (local.get $jr)))
                (i32.const 2))))
            (local.set $ir (i32.const 0))
            (loop $irLoop
              (local.set $mr (i32.sub (local.get $mc) (local.get $ir)))
              (if (i32.gt_s (local.get $mr) (i32.const 4)) (then (local.set $mr (i32.const 4))))
              (call $micro
                (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2)))
                (local.get $pb) (local.get $ldb) (local.get $kc)
                (i32.add (local.get $cRow) (i32.mul (local.get $ir) (local.get $ldc))) (local.get $ldc)
                (local.get $mr) (local.get $nr) (i32.ne (local.get $pc) (i32.const 0)))
              (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
              (br_if $irLoop (i32.lt_u (local.get $ir) (local.get $mc))))
            (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
            (br_if $jrLoop (i32.lt_u (local.get $jr) (local.get $nc))))
          (local.set $ic (i32.add (local.get $ic) (global.get $MC)))
          (br_if $icLoop (i32.lt_u (local.get $ic) (local.get $M))))
        (local.set $pc (i32.add (local.get $pc) (local.get $kcMax)))
        (br_if $pcLoop (i32.lt_u (local.get $pc) (local.get $K))))
      (local.set $jc (i32.add (local.get $jc) (global.get $NC)))
      (br_if $jcLoop (i32.lt_u (local.get $jc) (local.get $N)))))
)

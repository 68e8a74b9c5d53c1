;; Fused optimizer updates over flat float32 state in WebAssembly memory (engine/optim/kernels/optim-wasm.ts).
;;
;; Every function takes byte addresses of its regions (any alignment; 16 bytes is fastest) and
;; a count of elements n: four elements at a time in f32x4 lanes, then the last n mod 4 one at a
;; time with the same operations on f32 scalars. Each operation is a float32 operation that
;; rounds once, in the order the optimizer's op-level rule (`updateRule` in engine/optim/*.ts)
;; applies its ops, so the results are BITWISE the rule's: the ops compute x∘y in float64 and
;; round to float32 once, which for + − × ÷ √ of float32 values is the correctly rounded float32
;; result, as here. No fused multiply-add (plain WebAssembly SIMD has none). Constants are
;; float32 parameters (a JavaScript number passed to an f32 parameter is rounded as
;; Math.fround, as the rule's scalar tensors are).
;;
;; Bytes 0–127 of the memory are the kernels' scratch, not state: the update functions store
;; their constants there as splatted vectors and load them back before their loops. A splat kept
;; in a local is free for V8 to recompute (TurboFan moved all seven `vbroadcastss` of Adam into
;; the loop, once per use per iteration); a load is not moved, so the vectors stay in registers
;; (Adam over W1's 101,770 parameters: 74 → 64 µs, AdamW 80 → 66, the same bits).
;;
;; The update functions return 0 when every parameter they wrote is finite and NaN otherwise
;; (x − x is 0 for finite x, NaN for ±Inf and NaN; the lanes are summed), and `nonfinite`
;; checks a region (the gradients, BEFORE an update) with the same x − x.
(module
  (import "env" "memory" (memory 1))

  ;; Σ (x − x) over 4 lanes: 0 when all four are finite.
  (func $lanes (param $a v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
      (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))

  ;; 0 when the n floats at $x are all finite, NaN otherwise. The bits of x − x are ORed, not
  ;; summed: +0 (all bits clear) for every finite x, a NaN otherwise. An OR waits one cycle for
  ;; the previous one where an add waits three, so four of them in flight keep the loop on its
  ;; loads (0.35 → ~0.15 ns a float on the 2-core EPYC).
  (func (export "nonfinite") (param $x i32) (param $n i32) (result f32)
    (local $i i32) (local $end i32) (local $end16 i32) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (local.set $i (local.get $x))
    ;; four accumulators, sixteen floats a turn
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $end16)))
        (local.set $v (v128.load (local.get $i)))
        (local.set $a0 (v128.or (local.get $a0) (f32x4.sub (local.get $v) (local.get $v))))
        (local.set $v (v128.load offset=16 (local.get $i)))
        (local.set $a1 (v128.or (local.get $a1) (f32x4.sub (local.get $v) (local.get $v))))
        (local.set $v (v128.load offset=32 (local.get $i)))
        (local.set $a2 (v128.or (local.get $a2) (f32x4.sub (local.get $v) (local.get $v))))
        (local.set $v (v128.load offset=48 (local.get $i)))
        (local.set $a3 (v128.or (local.get $a3) (f32x4.sub (local.get $v) (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $loop)))
    ;; the last n mod 16, one at a time (summed: 0 or NaN)
    (block $done1
      (loop $loop1
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $s (f32.add (local.get $s) (f32.sub (f32.load (local.get $i)) (f32.load (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop1)))
    (select
      (f32.const nan)
      (local.get $s)
      (v128.any_true (v128.or (v128.or (local.get $a0) (local.get $a1)) (v128.or (local.get $a2) (local.get $a3))))))

  ;; Σ x² over the n floats at $x, in float64: each square is exact (a float32 product fits a
  ;; double) and four double accumulators take eight floats a turn — the L2 norms of parameters
  ;; and gradients the training timeline records every step (optim-wasm.ts, `sumOfSquares`).
  (func (export "sumsq") (param $x i32) (param $n i32) (result f64)
    (local $i i32) (local $end i32) (local $end8 i32) (local $v v128) (local $d v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $t f64)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (local.set $i (local.get $x))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $end8)))
        (local.set $v (v128.load (local.get $i)))
        (local.set $d (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $v (v128.load offset=16 (local.get $i)))
        (local.set $d (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (br $loop)))
    (local.set $a0 (f64x2.add (f64x2.add (local.get $a0) (local.get $a1)) (f64x2.add (local.get $a2) (local.get $a3))))
    (local.set $t (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
    (block $done1
      (loop $loop1
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $t (f64.add (local.get $t) (f64.mul (f64.promote_f32 (f32.load (local.get $i))) (f64.promote_f32 (f32.load (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop1)))
    (local.get $t))

  ;; SGD (torch.optim.SGD; engine/optim/sgd.ts), in place over n parameters p, gradients g and
  ;; momentum buffer b:
  ;;   d = g + p·wd            (flags & 1: weight decay; else d = g)
  ;;   b = b·mu + d·damp       (flags & 2: momentum; mu, damp are the step scalars μₜ, τₜ)
  ;;   dir = d + b·mom         (flags & 4: Nesterov; else dir = b with momentum, d without)
  ;;   p = p − dir·lr
  (func (export "sgd")
    (param $p i32) (param $g i32) (param $b i32) (param $n i32)
    (param $lr f32) (param $wd f32) (param $mu f32) (param $damp f32) (param $mom f32) (param $flags i32)
    (result f32)
    (local $i i32) (local $n4 i32) (local $off i32)
    (local $decay i32) (local $momentum i32) (local $nesterov i32)
    (local $vlr v128) (local $vwd v128) (local $vmu v128) (local $vdamp v128) (local $vmom v128)
    (local $vp v128) (local $vd v128) (local $vb v128) (local $acc v128)
    (local $sp f32) (local $sd f32) (local $sb f32) (local $s f32)
    (local.set $decay (i32.and (local.get $flags) (i32.const 1)))
    (local.set $momentum (i32.and (local.get $flags) (i32.const 2)))
    (local.set $nesterov (i32.and (local.get $flags) (i32.const 4)))
    ;; the constants as vectors, through the scratch at address 0 (see the header)
    (v128.store offset=0 (i32.const 0) (f32x4.splat (local.get $lr)))
    (v128.store offset=16 (i32.const 0) (f32x4.splat (local.get $wd)))
    (v128.store offset=32 (i32.const 0) (f32x4.splat (local.get $mu)))
    (v128.store offset=48 (i32.const 0) (f32x4.splat (local.get $damp)))
    (v128.store offset=64 (i32.const 0) (f32x4.splat (local.get $mom)))
    (local.set $vlr (v128.load offset=0 (i32.const 0)))
    (local.set $vwd (v128.load offset=16 (i32.const 0)))
    (local.set $vmu (v128.load offset=32 (i32.const 0)))
    (local.set $vdamp (v128.load offset=48 (i32.const 0)))
    (local.set $vmom (v128.load offset=64 (i32.const 0)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $vp (v128.load (i32.add (local.get $p) (local.get $off))))
        (local.set $vd (v128.load (i32.add (local.get $g) (local.get $off))))
        (if (local.get $decay)
          (then (local.set $vd (f32x4.add (local.get $vd) (f32x4.mul (local.get $vp) (local.get $vwd))))))
        (if (local.get $momentum)
          (then
            (local.set $vb (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $b) (local.get $off))) (local.get $vmu))
              (f32x4.mul (local.get $vd) (local.get $vdamp))))
            (v128.store (i32.add (local.get $b) (local.get $off)) (local.get $vb))
            (if (local.get $nesterov)
              (then (local.set $vd (f32x4.add (local.get $vd) (f32x4.mul (local.get $vb) (local.get $vmom)))))
              (else (local.set $vd (local.get $vb))))))
        (local.set $vp (f32x4.sub (local.get $vp) (f32x4.mul (local.get $vd) (local.get $vlr))))
        (v128.store (i32.add (local.get $p) (local.get $off)) (local.get $vp))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.sub (local.get $vp) (local.get $vp))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop)))
    (local.set $s (call $lanes (local.get $acc)))
    ;; the same, one element at a time
    (block $done1
      (loop $loop1
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $sp (f32.load (i32.add (local.get $p) (local.get $off))))
        (local.set $sd (f32.load (i32.add (local.get $g) (local.get $off))))
        (if (local.get $decay)
          (then (local.set $sd (f32.add (local.get $sd) (f32.mul (local.get $sp) (local.get $wd))))))
        (if (local.get $momentum)
          (then
            (local.set $sb (f32.add
              (f32.mul (f32.load (i32.add (local.get $b) (local.get $off))) (local.get $mu))
              (f32.mul (local.get $sd) (local.get $damp))))
            (f32.store (i32.add (local.get $b) (local.get $off)) (local.get $sb))
            (if (local.get $nesterov)
              (then (local.set $sd (f32.add (local.get $sd) (f32.mul (local.get $sb) (local.get $mom)))))
              (else (local.set $sd (local.get $sb))))))
        (local.set $sp (f32.sub (local.get $sp) (f32.mul (local.get $sd) (local.get $lr))))
        (f32.store (i32.add (local.get $p) (local.get $off)) (local.get $sp))
        (local.set $s (f32.add (local.get $s) (f32.sub (local.get $sp) (local.get $sp))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop1)))
    (local.get $s))

  ;; Adam and AdamW (engine/optim/adam.ts), in place over n parameters p, gradients g and the
  ;; moments m, v:
  ;;   g = g + p·wd            (mode 1: Adam's L2 weight decay)
  ;;   q = p·wd                (mode 2: AdamW's decoupled decay, wd = 1 − lr·λ; else q = p)
  ;;   m = m·b1 + g·c1;  v = v·b2 + (g·g)·c2;  p = q − (m / (√v + e))·a
  ;; with c1 = 1 − β₁, c2 = 1 − β₂ and the step scalars a = aₜ, e = eₜ.
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $a f32) (param $e f32)
    (param $wd f32) (param $mode i32)
    (result f32)
    (local $i i32) (local $n4 i32) (local $off i32) (local $l2 i32) (local $decoupled i32)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $va v128) (local $ve v128) (local $vwd v128)
    (local $vp v128) (local $vg v128) (local $vm v128) (local $vv v128) (local $acc v128)
    (local $sp f32) (local $sg f32) (local $sm f32) (local $sv f32) (local $s f32)
    (local.set $l2 (i32.eq (local.get $mode) (i32.const 1)))
    (local.set $decoupled (i32.eq (local.get $mode) (i32.const 2)))
    ;; the constants as vectors, through the scratch at address 0 (see the header)
    (v128.store offset=0 (i32.const 0) (f32x4.splat (local.get $b1)))
    (v128.store offset=16 (i32.const 0) (f32x4.splat (local.get $c1)))
    (v128.store offset=32 (i32.const 0) (f32x4.splat (local.get $b2)))
    (v128.store offset=48 (i32.const 0) (f32x4.splat (local.get $c2)))
    (v128.store offset=64 (i32.const 0) (f32x4.splat (local.get $a)))
    (v128.store offset=80 (i32.const 0) (f32x4.splat (local.get $e)))
    (v128.store offset=96 (i32.const 0) (f32x4.splat (local.get $wd)))
    (local.set $vb1 (v128.load offset=0 (i32.const 0)))
    (local.set $vc1 (v128.load offset=16 (i32.const 0)))
    (local.set $vb2 (v128.load offset=32 (i32.const 0)))
    (local.set $vc2 (v128.load offset=48 (i32.const 0)))
    (local.set $va (v128.load offset=64 (i32.const 0)))
    (local.set $ve (v128.load offset=80 (i32.const 0)))
    (local.set $vwd (v128.load offset=96 (i32.const 0)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $vp (v128.load (i32.add (local.get $p) (local.get $off))))
        (local.set $vg (v128.load (i32.add (local.get $g) (local.get $off))))
        (if (local.get $l2)
          (then (local.set $vg (f32x4.add (local.get $vg) (f32x4.mul (local.get $vp) (local.get $vwd))))))
        (if (local.get $decoupled)
          (then (local.set $vp (f32x4.mul (local.get $vp) (local.get $vwd)))))
        (local.set $vm (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $off))) (local.get $vb1))
          (f32x4.mul (local.get $vg) (local.get $vc1))))
        (v128.store (i32.add (local.get $m) (local.get $off)) (local.get $vm))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $off))) (local.get $vb2))
          (f32x4.mul (f32x4.mul (local.get $vg) (local.get $vg)) (local.get $vc2))))
        (v128.store (i32.add (local.get $v) (local.get $off)) (local.get $vv))
        (local.set $vp (f32x4.sub (local.get $vp)
          (f32x4.mul
            (f32x4.div (local.get $vm) (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $ve)))
            (local.get $va))))
        (v128.store (i32.add (local.get $p) (local.get $off)) (local.get $vp))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.sub (local.get $vp) (local.get $vp))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop)))
    (local.set $s (call $lanes (local.get $acc)))
    ;; the same, one element at a time
    (block $done1
      (loop $loop1
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $sp (f32.load (i32.add (local.get $p) (local.get $off))))
        (local.set $sg (f32.load (i32.add (local.get $g) (local.get $off))))
        (if (local.get $l2)
          (then (local.set $sg (f32.add (local.get $sg) (f32.mul (local.get $sp) (local.get $wd))))))
        (if (local.get $decoupled)
          (then (local.set $sp (f32.mul (local.get $sp) (local.get $wd)))))
        (local.set $sm (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $off))) (local.get $b1))
          (f32.mul (local.get $sg) (local.get $c1))))
        (f32.store (i32.add (local.get $m) (local.get $off)) (local.get $sm))
        (local.set $sv (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $off))) (local.get $b2))
          (f32.mul (f32.mul (local.get $sg) (local.get $sg)) (local.get $c2))))
        (f32.store (i32.add (local.get $v) (local.get $off)) (local.get $sv))
        (local.set $sp (f32.sub (local.get $sp)
          (f32.mul
            (f32.div (local.get $sm) (f32.add (f32.sqrt (local.get $sv)) (local.get $e)))
            (local.get $a))))
        (f32.store (i32.add (local.get $p) (local.get $off)) (local.get $sp))
        (local.set $s (f32.add (local.get $s) (f32.sub (local.get $sp) (local.get $sp))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop1)))
    (local.get $s))
)

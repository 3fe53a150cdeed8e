;; kernels.wat — the float32 kernels of the web page's pure-Go engine with
;; WebAssembly SIMD (128-bit), which Go cannot compile to itself: the matrix
;; products and the element-wise sigmoid and tanh. build.sh assembles it
;; with wabt's wat2wasm (pinned in site/package-lock.json) into
;; serve/webroot/kernels.wasm; site/worker.js instantiates it on the Go
;; program's memory and hands its functions to the program as the imports
;; "cgru" (wasm/kernels_simd.go, model.UseKernels). Every kernel does the
;; float32 operations of the Go code it replaces, in the same order (a
;; multiply, then an add: no fused multiply-add), so the engine's numbers
;; are the same bit for bit (wasm/kernels_simd_test.go checks).
;;
;; gemm(m, n, k, a, sai, sap, b, ldb, c, ldc) computes C[m×n] += A·B with
;; A(i,p) = a[i·sai + p·sap] — sai = lda, sap = 1 for C += A·B (gemmNN),
;; sai = 1, sap = lda for C += Aᵀ·B (gemmTN) — B [k×n] with row stride ldb
;; and C [m×n] with row stride ldc, all float32; a, b and c are byte
;; addresses in the imported memory, strides count elements. It needs
;; m, k ≥ 1 and n a multiple of 8 (model.UseGemm checks, and the bounds).
;; Each element of C is loaded once, gets the products added in the order
;; of p (a multiply, then an add: no fused multiply-add) and is stored once,
;; so the results are bit for bit those of the engine's portable loops.
;; Blocks of 4 rows × 8 columns (8 accumulators, two B vectors, one
;; broadcast A value: 11 of the 16 vector registers of x86-64), then the
;; remaining rows one by one.
(module
  (import "go" "mem" (memory 1))
  (func (export "gemm")
    (param $m i32) (param $n i32) (param $k i32)
    (param $a i32) (param $sai i32) (param $sap i32)
    (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $p i32) (local $pa i32) (local $pb i32)
    (local $sai1 i32) (local $sai2 i32) (local $sai3 i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $s0a v128) (local $s0b v128) (local $pc0 i32) (local $s1a v128) (local $s1b v128) (local $pc1 i32) (local $s2a v128) (local $s2b v128) (local $pc2 i32) (local $s3a v128) (local $s3b v128) (local $pc3 i32)
    ;; strides in bytes
    (local.set $sai (i32.shl (local.get $sai) (i32.const 2)))
    (local.set $sap (i32.shl (local.get $sap) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $sai1 (local.get $sai))
    (local.set $sai2 (i32.shl (local.get $sai) (i32.const 1)))
    (local.set $sai3 (i32.add (local.get $sai2) (local.get $sai)))
    (local.set $i (i32.const 0))
    ;; rows 4 at a time
    (block $done4
      (loop $rows4
        (br_if $done4 (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $j (i32.const 0))
        (loop $cols4
        ;; 4 row(s) × 8 columns
        (local.set $pc0 (i32.add (i32.add (local.get $c) (i32.mul (i32.add (local.get $i) (i32.const 0)) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $s0a (v128.load align=4 (local.get $pc0)))
        (local.set $s0b (v128.load offset=16 align=4 (local.get $pc0)))
        (local.set $pc1 (i32.add (i32.add (local.get $c) (i32.mul (i32.add (local.get $i) (i32.const 1)) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $s1a (v128.load align=4 (local.get $pc1)))
        (local.set $s1b (v128.load offset=16 align=4 (local.get $pc1)))
        (local.set $pc2 (i32.add (i32.add (local.get $c) (i32.mul (i32.add (local.get $i) (i32.const 2)) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $s2a (v128.load align=4 (local.get $pc2)))
        (local.set $s2b (v128.load offset=16 align=4 (local.get $pc2)))
        (local.set $pc3 (i32.add (i32.add (local.get $c) (i32.mul (i32.add (local.get $i) (i32.const 3)) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $s3a (v128.load align=4 (local.get $pc3)))
        (local.set $s3b (v128.load offset=16 align=4 (local.get $pc3)))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $p (local.get $k))
        (loop $k4
          (local.set $b0 (v128.load align=4 (local.get $pb)))
          (local.set $b1 (v128.load offset=16 align=4 (local.get $pb)))
          (local.set $x (f32x4.splat (f32.load align=4 (local.get $pa))))
          (local.set $s0a (f32x4.add (local.get $s0a) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $s0b (f32x4.add (local.get $s0b) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (f32x4.splat (f32.load align=4 (i32.add (local.get $pa) (local.get $sai1)))))
          (local.set $s1a (f32x4.add (local.get $s1a) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $s1b (f32x4.add (local.get $s1b) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (f32x4.splat (f32.load align=4 (i32.add (local.get $pa) (local.get $sai2)))))
          (local.set $s2a (f32x4.add (local.get $s2a) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $s2b (f32x4.add (local.get $s2b) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (f32x4.splat (f32.load align=4 (i32.add (local.get $pa) (local.get $sai3)))))
          (local.set $s3a (f32x4.add (local.get $s3a) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $s3b (f32x4.add (local.get $s3b) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (local.get $sap)))
          (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br_if $k4 (local.get $p)))
        (v128.store align=4 (local.get $pc0) (local.get $s0a))
        (v128.store offset=16 align=4 (local.get $pc0) (local.get $s0b))
        (v128.store align=4 (local.get $pc1) (local.get $s1a))
        (v128.store offset=16 align=4 (local.get $pc1) (local.get $s1b))
        (v128.store align=4 (local.get $pc2) (local.get $s2a))
        (v128.store offset=16 align=4 (local.get $pc2) (local.get $s2b))
        (v128.store align=4 (local.get $pc3) (local.get $s3a))
        (v128.store offset=16 align=4 (local.get $pc3) (local.get $s3b))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br_if $cols4 (i32.lt_s (local.get $j) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows4)))
    ;; rows 1 at a time
    (block $done1
      (loop $rows1
        (br_if $done1 (i32.gt_s (i32.add (local.get $i) (i32.const 1)) (local.get $m)))
        (local.set $j (i32.const 0))
        (loop $cols1
        ;; 1 row(s) × 8 columns
        (local.set $pc0 (i32.add (i32.add (local.get $c) (i32.mul (i32.add (local.get $i) (i32.const 0)) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $s0a (v128.load align=4 (local.get $pc0)))
        (local.set $s0b (v128.load offset=16 align=4 (local.get $pc0)))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $p (local.get $k))
        (loop $k1
          (local.set $b0 (v128.load align=4 (local.get $pb)))
          (local.set $b1 (v128.load offset=16 align=4 (local.get $pb)))
          (local.set $x (f32x4.splat (f32.load align=4 (local.get $pa))))
          (local.set $s0a (f32x4.add (local.get $s0a) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $s0b (f32x4.add (local.get $s0b) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (local.get $sap)))
          (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br_if $k1 (local.get $p)))
        (v128.store align=4 (local.get $pc0) (local.get $s0a))
        (v128.store offset=16 align=4 (local.get $pc0) (local.get $s0b))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br_if $cols1 (i32.lt_s (local.get $j) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows1)))
  )

  ;; expf4 is model.Expf on four lanes: Cephes' expf, range reduction by
  ;; ln 2 in two parts and a degree-6 polynomial; +Inf above 88.7228 and 0
  ;; below −87.3365. Go's version:
  ;;   fx := x*log2e + 0.5; n := int32(fx); if float32(n) > fx { n-- }
  ;;   x = x − fn·c1 − fn·c2; z := x·x
  ;;   y := ((((((p0·x+p1)·x+p2)·x+p3)·x+p4)·x+p5)·z + x + 1)
  ;;   return y · 2^n
  (func $expf4 (param $x v128) (result v128)
    (local $fx v128) (local $n v128) (local $fn v128) (local $z v128) (local $y v128)
    (local.set $fx (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
                              (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $n (i32x4.trunc_sat_f32x4_s (local.get $fx)))
    ;; floor for negative fx: n − 1 where float32(n) > fx (the mask is −1)
    (local.set $n (i32x4.add (local.get $n) (f32x4.gt (f32x4.convert_i32x4_s (local.get $n)) (local.get $fx))))
    (local.set $fn (f32x4.convert_i32x4_s (local.get $n)))
    (local.set $y (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $fn) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
                             (f32x4.mul (local.get $fn) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $z (f32x4.mul (local.get $y) (local.get $y)))
    (local.set $y (f32x4.add (f32x4.add (f32x4.mul
      (f32x4.add (f32x4.mul
      (f32x4.add (f32x4.mul
      (f32x4.add (f32x4.mul
      (f32x4.add (f32x4.mul
      (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $y))
                 (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)) (local.get $y))
                 (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)) (local.get $y))
                 (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)) (local.get $y))
                 (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)) (local.get $y))
                 (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)) (local.get $z))
      (local.get $y)) (v128.const f32x4 1 1 1 1)))
    ;; · 2^n: n + 127 in the exponent bits
    (local.set $y (f32x4.mul (local.get $y) (i32x4.shl (i32x4.add (local.get $n) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
    (local.set $y (v128.bitselect (v128.const f32x4 inf inf inf inf) (local.get $y)
                                  (f32x4.gt (local.get $x) (v128.const f32x4 88.7228 88.7228 88.7228 88.7228))))
    (v128.bitselect (v128.const f32x4 0 0 0 0) (local.get $y)
                    (f32x4.lt (local.get $x) (v128.const f32x4 -87.3365 -87.3365 -87.3365 -87.3365)))
  )

  ;; sigmoid(dst, src, n) sets dst[i] = 1/(1 + expf(−src[i])) for n a
  ;; multiple of 4 (byte addresses; dst may be src).
  (func (export "sigmoid") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store align=4 (local.get $dst)
          (f32x4.div (v128.const f32x4 1 1 1 1)
                     (f32x4.add (v128.const f32x4 1 1 1 1) (call $expf4 (f32x4.neg (v128.load align=4 (local.get $src)))))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next)))
  )

  ;; tanh(dst, src, n) is model.Tanhf on n values (a multiple of 4): for
  ;; |x| < 0.625 Cephes' odd polynomial
  ;;   x + x·z·((((q0·z+q1)·z+q2)·z+q3)·z+q4), z = x²,
  ;; above it 1 − 2/(expf(2|x|)+1) with the sign of x, and ±1 above 9.01.
  (func (export "tanh") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32) (local $x v128) (local $a v128) (local $z v128) (local $small v128) (local $big v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $x (v128.load align=4 (local.get $src)))
        (local.set $a (f32x4.abs (local.get $x)))
        (local.set $z (f32x4.mul (local.get $x) (local.get $x)))
        (local.set $small (f32x4.add (local.get $x) (f32x4.mul (f32x4.mul (local.get $x) (local.get $z))
          (f32x4.sub (f32x4.mul
          (f32x4.add (f32x4.mul
          (f32x4.sub (f32x4.mul
          (f32x4.add (f32x4.mul (v128.const f32x4 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3) (local.get $z))
                     (v128.const f32x4 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2)) (local.get $z))
                     (v128.const f32x4 5.37397155531e-2 5.37397155531e-2 5.37397155531e-2 5.37397155531e-2)) (local.get $z))
                     (v128.const f32x4 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1)) (local.get $z))
                     (v128.const f32x4 3.33332819422e-1 3.33332819422e-1 3.33332819422e-1 3.33332819422e-1)))))
        ;; 1 − 2/(expf(2a)+1), or 1 above 9.01
        (local.set $big (f32x4.sub (v128.const f32x4 1 1 1 1)
          (f32x4.div (v128.const f32x4 2 2 2 2)
                     (f32x4.add (call $expf4 (f32x4.mul (v128.const f32x4 2 2 2 2) (local.get $a))) (v128.const f32x4 1 1 1 1)))))
        (local.set $big (v128.bitselect (v128.const f32x4 1 1 1 1) (local.get $big)
                                        (f32x4.gt (local.get $a) (v128.const f32x4 9.01 9.01 9.01 9.01))))
        (local.set $big (v128.bitselect (f32x4.neg (local.get $big)) (local.get $big)
                                        (f32x4.lt (local.get $x) (v128.const f32x4 0 0 0 0))))
        (v128.store align=4 (local.get $dst)
          (v128.bitselect (local.get $small) (local.get $big)
                          (f32x4.lt (local.get $a) (v128.const f32x4 0.625 0.625 0.625 0.625))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next)))
  )

  ;; version lets the Go side check it has the module it was built for.
  (func (export "version") (result i32) (i32.const 2))
)

;; A hand-written Stylus program probing the devnet's host semantics.
;; Calldata: op byte, then operands. Memory: args at 0, storage key (zero) at 1024,
;; scratch word at 1056, return length at 1100, zero value at 2048, return data at 4096.
;;   01 <word>        cache slot 0 := word, flush          (persists)
;;   02 <word>        cache slot 0 := word, no flush       (lost, as on Nitro)
;;   03               return slot 0
;;   04               return msg_reentrant() as a word
;;   05 <addr> <data> call addr with data; return its return data with its status
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (import "vm_hooks" "msg_reentrant" (func $reentrant (result i32)))
  (import "vm_hooks" "call_contract" (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "read_return_data" (func $read_return (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $op i32) (local $status i32) (local $n i32)
    (call $read_args (i32.const 0))
    (local.set $op (i32.load8_u (i32.const 0)))
    (if (i32.eq (local.get $op) (i32.const 1)) (then
      (call $cache (i32.const 1024) (i32.const 1))
      (call $flush (i32.const 0))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 2)) (then
      (call $cache (i32.const 1024) (i32.const 1))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 3)) (then
      (call $load (i32.const 1024) (i32.const 1056))
      (call $write_result (i32.const 1056) (i32.const 32))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 4)) (then
      (i32.store8 (i32.const 1087) (call $reentrant))
      (call $write_result (i32.const 1056) (i32.const 32))
      (return (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 5)) (then
      (local.set $status
        (call $call (i32.const 1) (i32.const 21) (i32.sub (local.get $len) (i32.const 21))
                    (i32.const 2048) (i64.const -1) (i32.const 1100)))
      (local.set $n (call $read_return (i32.const 4096) (i32.const 0) (i32.load (i32.const 1100))))
      (call $write_result (i32.const 4096) (local.get $n))
      (return (local.get $status))))
    (i32.const 1)))

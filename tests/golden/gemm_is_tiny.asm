.chip {"name":"tiny","array":{"rows":4,"cols":4,"dataflow":"is","input_dtype":"int8","double_buffer_stationary":true,"os_drain":true},"memory":{"spad_kib":16,"spad_banks":4,"acc_kib":4,"acc_banks":2},"dram":{"dram_mib":16,"dram_bytes_per_cycle":4,"dram_latency":20},"vector":{"vector_lanes":4,"vector_latency_alu":1,"vector_latency_mul":2,"vector_latency_special":4,"vector_latency_reduce":2,"vector_special_lanes":1},"control":{"queue_depth":8,"clock_mhz":100.0},"energy":{"technology":"45nm"}}
.tensor a addr=0x0 shape=10x11 dtype=int8 kind=input role=input
.tensor w addr=0x80 shape=11x9 dtype=int8 kind=param role=param
.tensor c addr=0x100 shape=10x9 dtype=int32 kind=output role=output
.tag mm forward
load dram=0x80 dst=sp:0 rows=9 cols=4 stride=9 transpose=1                                           ; 0
load dram=0x0 dst=sp:72 rows=4 cols=4 stride=11 transpose=1 +push_next                               ; 1
preload src=72 rows=4 cols=4 +pop_prev +push_prev                                                    ; 2
matmul x=0 y=0 out=0 t=9 rows=4 cols=4 accumulate=0                                                  ; 3
load dram=0x2c dst=sp:76 rows=4 cols=4 stride=11 transpose=1 +push_next                              ; 4
preload src=76 rows=4 cols=4 +pop_prev                                                               ; 5
matmul x=0 y=0 out=9 t=9 rows=4 cols=4 accumulate=0                                                  ; 6
load dram=0x58 dst=sp:80 rows=4 cols=2 stride=11 transpose=1 +push_next                              ; 7
preload src=80 rows=4 cols=2 +pop_prev                                                               ; 8
matmul x=0 y=0 out=18 t=9 rows=4 cols=2 accumulate=0                                                 ; 9
load dram=0xa4 dst=sp:9 rows=9 cols=4 stride=9 transpose=1                                           ; 10
load dram=0x4 dst=sp:84 rows=4 cols=4 stride=11 transpose=1 +push_next                               ; 11
preload src=84 rows=4 cols=4 +pop_prev                                                               ; 12
matmul x=9 y=0 out=0 t=9 rows=4 cols=4 accumulate=1                                                  ; 13
load dram=0x30 dst=sp:88 rows=4 cols=4 stride=11 transpose=1 +push_next                              ; 14
preload src=88 rows=4 cols=4 +pop_prev                                                               ; 15
matmul x=9 y=0 out=9 t=9 rows=4 cols=4 accumulate=1                                                  ; 16
load dram=0x5c dst=sp:92 rows=4 cols=2 stride=11 transpose=1 +push_next                              ; 17
preload src=92 rows=4 cols=2 +pop_prev                                                               ; 18
matmul x=9 y=0 out=18 t=9 rows=4 cols=2 accumulate=1                                                 ; 19
load dram=0xc8 dst=sp:18 rows=9 cols=3 stride=9 transpose=1                                          ; 20
load dram=0x8 dst=sp:96 rows=3 cols=4 stride=11 transpose=1 +push_next                               ; 21
preload src=96 rows=3 cols=4 +pop_prev                                                               ; 22
matmul x=18 y=0 out=0 t=9 rows=3 cols=4 accumulate=1 +push_next                                      ; 23
load dram=0x34 dst=sp:100 rows=3 cols=4 stride=11 transpose=1 +push_next                             ; 24
preload src=100 rows=3 cols=4 +pop_prev                                                              ; 25
matmul x=18 y=0 out=9 t=9 rows=3 cols=4 accumulate=1 +push_next                                      ; 26
load dram=0x60 dst=sp:72 rows=3 cols=2 stride=11 transpose=1 +pop_next +push_next                    ; 27
preload src=72 rows=3 cols=2 +pop_prev                                                               ; 28
matmul x=18 y=0 out=18 t=9 rows=3 cols=2 accumulate=1 +push_next                                     ; 29
store dram=0x100 src=acc:0 rows=9 cols=4 stride=36 transpose=1 +pop_prev                             ; 30
store dram=0x190 src=acc:9 rows=9 cols=4 stride=36 transpose=1 +pop_prev                             ; 31
store dram=0x220 src=acc:18 rows=9 cols=2 stride=36 transpose=1 +pop_prev                            ; 32
halt                                                                                                 ; 33

.chip {"name":"tiny","array":{"rows":4,"cols":4,"dataflow":"os","input_dtype":"int8","double_buffer_stationary":true,"os_drain":true},"memory":{"spad_kib":16,"spad_banks":4,"acc_kib":4,"acc_banks":2},"dram":{"dram_mib":16,"dram_bytes_per_cycle":4,"dram_latency":20},"vector":{"vector_lanes":4,"vector_latency_alu":1,"vector_latency_mul":2,"vector_latency_special":4,"vector_latency_reduce":2,"vector_special_lanes":1},"control":{"queue_depth":8,"clock_mhz":100.0},"energy":{"technology":"45nm"}}
.tensor a addr=0x0 shape=10x11 dtype=int8 kind=input role=input
.tensor w addr=0x80 shape=11x9 dtype=int8 kind=param role=param
.tensor c addr=0x100 shape=10x9 dtype=int32 kind=output role=output
.tag mm forward
load dram=0x0 dst=sp:0 rows=11 cols=4 stride=11 transpose=1                                          ; 0
load dram=0x80 dst=sp:11 rows=11 cols=4 stride=9 transpose=0 +push_next                              ; 1
matmul x=0 y=11 out=0 t=11 rows=4 cols=4 accumulate=0 +pop_prev +push_prev +push_next                ; 2
store dram=0x100 src=acc:0 rows=4 cols=4 stride=36 transpose=0 +pop_prev +push_prev                  ; 3
load dram=0x84 dst=sp:22 rows=11 cols=4 stride=9 transpose=0 +push_next                              ; 4
matmul x=0 y=22 out=4 t=11 rows=4 cols=4 accumulate=0 +pop_prev +push_next                           ; 5
store dram=0x110 src=acc:4 rows=4 cols=4 stride=36 transpose=0 +pop_prev +push_prev                  ; 6
load dram=0x88 dst=sp:11 rows=11 cols=1 stride=9 transpose=0 +pop_next +push_next                    ; 7
matmul x=0 y=11 out=0 t=11 rows=4 cols=1 accumulate=0 +pop_prev +pop_next +push_prev +push_next      ; 8
store dram=0x120 src=acc:0 rows=4 cols=1 stride=36 transpose=0 +pop_prev +push_prev                  ; 9
load dram=0x2c dst=sp:0 rows=11 cols=4 stride=11 transpose=1 +pop_next                               ; 10
load dram=0x80 dst=sp:22 rows=11 cols=4 stride=9 transpose=0 +push_next                              ; 11
matmul x=0 y=22 out=4 t=11 rows=4 cols=4 accumulate=0 +pop_prev +pop_next +push_prev +push_next      ; 12
store dram=0x190 src=acc:4 rows=4 cols=4 stride=36 transpose=0 +pop_prev +push_prev                  ; 13
load dram=0x84 dst=sp:11 rows=11 cols=4 stride=9 transpose=0 +push_next                              ; 14
matmul x=0 y=11 out=0 t=11 rows=4 cols=4 accumulate=0 +pop_prev +pop_next +push_next                 ; 15
store dram=0x1a0 src=acc:0 rows=4 cols=4 stride=36 transpose=0 +pop_prev +push_prev                  ; 16
load dram=0x88 dst=sp:22 rows=11 cols=1 stride=9 transpose=0 +pop_next +push_next                    ; 17
matmul x=0 y=22 out=4 t=11 rows=4 cols=1 accumulate=0 +pop_prev +pop_next +push_prev +push_next      ; 18
store dram=0x1b0 src=acc:4 rows=4 cols=1 stride=36 transpose=0 +pop_prev +push_prev                  ; 19
load dram=0x58 dst=sp:0 rows=11 cols=2 stride=11 transpose=1 +pop_next                               ; 20
load dram=0x80 dst=sp:11 rows=11 cols=4 stride=9 transpose=0 +push_next                              ; 21
matmul x=0 y=11 out=0 t=11 rows=2 cols=4 accumulate=0 +pop_prev +pop_next +push_prev +push_next      ; 22
store dram=0x220 src=acc:0 rows=2 cols=4 stride=36 transpose=0 +pop_prev +push_prev                  ; 23
load dram=0x84 dst=sp:22 rows=11 cols=4 stride=9 transpose=0 +push_next                              ; 24
matmul x=0 y=22 out=4 t=11 rows=2 cols=4 accumulate=0 +pop_prev +pop_next +push_next                 ; 25
store dram=0x230 src=acc:4 rows=2 cols=4 stride=36 transpose=0 +pop_prev                             ; 26
load dram=0x88 dst=sp:11 rows=11 cols=1 stride=9 transpose=0 +pop_next +push_next                    ; 27
matmul x=0 y=11 out=0 t=11 rows=2 cols=1 accumulate=0 +pop_prev +pop_next +push_next                 ; 28
store dram=0x240 src=acc:0 rows=2 cols=1 stride=36 transpose=0 +pop_prev                             ; 29
halt                                                                                                 ; 30

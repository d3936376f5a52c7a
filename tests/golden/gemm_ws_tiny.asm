.chip tiny
.tensor a addr=0x0 shape=10x11 dtype=int8 kind=input role=input
.tensor w addr=0x80 shape=11x9 dtype=int8 kind=param role=param
.tensor c addr=0x100 shape=10x9 dtype=int32 kind=output role=output
.tag mm forward
load dram=0x0 dst=sp:0 rows=10 cols=4 stride=11 transpose=0                                          ; 0
load dram=0x4 dst=sp:10 rows=10 cols=4 stride=11 transpose=0                                         ; 1
load dram=0x8 dst=sp:20 rows=10 cols=3 stride=11 transpose=0                                         ; 2
load dram=0x80 dst=sp:30 rows=4 cols=4 stride=9 transpose=0 +push_next                               ; 3
preload src=30 rows=4 cols=4 +pop_prev +push_prev                                                    ; 4
matmul x=0 y=0 out=0 t=10 rows=4 cols=4 accumulate=0                                                 ; 5
load dram=0xa4 dst=sp:34 rows=4 cols=4 stride=9 transpose=0 +push_next                               ; 6
preload src=34 rows=4 cols=4 +pop_prev                                                               ; 7
matmul x=10 y=0 out=0 t=10 rows=4 cols=4 accumulate=1                                                ; 8
load dram=0xc8 dst=sp:38 rows=3 cols=4 stride=9 transpose=0 +push_next                               ; 9
preload src=38 rows=3 cols=4 +pop_prev                                                               ; 10
matmul x=20 y=0 out=0 t=10 rows=3 cols=4 accumulate=1 +push_next                                     ; 11
store dram=0x100 src=acc:0 rows=10 cols=4 stride=36 transpose=0 +pop_prev +push_prev                 ; 12
load dram=0x84 dst=sp:42 rows=4 cols=4 stride=9 transpose=0 +push_next                               ; 13
preload src=42 rows=4 cols=4 +pop_prev                                                               ; 14
matmul x=0 y=0 out=10 t=10 rows=4 cols=4 accumulate=0                                                ; 15
load dram=0xa8 dst=sp:46 rows=4 cols=4 stride=9 transpose=0 +push_next                               ; 16
preload src=46 rows=4 cols=4 +pop_prev                                                               ; 17
matmul x=10 y=0 out=10 t=10 rows=4 cols=4 accumulate=1                                               ; 18
load dram=0xcc dst=sp:50 rows=3 cols=4 stride=9 transpose=0 +push_next                               ; 19
preload src=50 rows=3 cols=4 +pop_prev                                                               ; 20
matmul x=20 y=0 out=10 t=10 rows=3 cols=4 accumulate=1 +push_next                                    ; 21
store dram=0x110 src=acc:10 rows=10 cols=4 stride=36 transpose=0 +pop_prev                           ; 22
load dram=0x88 dst=sp:54 rows=4 cols=1 stride=9 transpose=0 +push_next                               ; 23
preload src=54 rows=4 cols=1 +pop_prev                                                               ; 24
matmul x=0 y=0 out=0 t=10 rows=4 cols=1 accumulate=0 +pop_next                                       ; 25
load dram=0xac dst=sp:58 rows=4 cols=1 stride=9 transpose=0 +push_next                               ; 26
preload src=58 rows=4 cols=1 +pop_prev                                                               ; 27
matmul x=10 y=0 out=0 t=10 rows=4 cols=1 accumulate=1                                                ; 28
load dram=0xd0 dst=sp:30 rows=3 cols=1 stride=9 transpose=0 +pop_next +push_next                     ; 29
preload src=30 rows=3 cols=1 +pop_prev                                                               ; 30
matmul x=20 y=0 out=0 t=10 rows=3 cols=1 accumulate=1 +push_next                                     ; 31
store dram=0x120 src=acc:0 rows=10 cols=1 stride=36 transpose=0 +pop_prev                            ; 32
halt                                                                                                 ; 33

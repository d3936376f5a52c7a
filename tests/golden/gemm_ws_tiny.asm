.chip tiny
.tensor a addr=0x0 shape=10x11 dtype=int8 kind=input role=input
.tensor w addr=0x80 shape=11x9 dtype=int8 kind=param role=param
.tensor c addr=0x100 shape=10x9 dtype=int32 kind=output role=output
.tag mm forward
load dram=0x0 dst=sp:0 rows=10 cols=4 stride=11 transpose=0                                          ; 0
load dram=0x80 dst=sp:80 rows=4 cols=4 stride=9 transpose=0 +push_next                               ; 1
preload src=80 rows=4 cols=4 +pop_prev +push_prev                                                    ; 2
matmul x=0 y=0 out=0 t=10 rows=4 cols=4 accumulate=0                                                 ; 3
load dram=0x84 dst=sp:84 rows=4 cols=4 stride=9 transpose=0 +push_next                               ; 4
preload src=84 rows=4 cols=4 +pop_prev                                                               ; 5
matmul x=0 y=0 out=10 t=10 rows=4 cols=4 accumulate=0                                                ; 6
load dram=0x88 dst=sp:88 rows=4 cols=1 stride=9 transpose=0 +push_next                               ; 7
preload src=88 rows=4 cols=1 +pop_prev                                                               ; 8
matmul x=0 y=0 out=20 t=10 rows=4 cols=1 accumulate=0                                                ; 9
load dram=0x4 dst=sp:10 rows=10 cols=4 stride=11 transpose=0                                         ; 10
load dram=0xa4 dst=sp:92 rows=4 cols=4 stride=9 transpose=0 +push_next                               ; 11
preload src=92 rows=4 cols=4 +pop_prev                                                               ; 12
matmul x=10 y=0 out=0 t=10 rows=4 cols=4 accumulate=1                                                ; 13
load dram=0xa8 dst=sp:96 rows=4 cols=4 stride=9 transpose=0 +push_next                               ; 14
preload src=96 rows=4 cols=4 +pop_prev                                                               ; 15
matmul x=10 y=0 out=10 t=10 rows=4 cols=4 accumulate=1                                               ; 16
load dram=0xac dst=sp:100 rows=4 cols=1 stride=9 transpose=0 +push_next                              ; 17
preload src=100 rows=4 cols=1 +pop_prev                                                              ; 18
matmul x=10 y=0 out=20 t=10 rows=4 cols=1 accumulate=1                                               ; 19
load dram=0x8 dst=sp:20 rows=10 cols=3 stride=11 transpose=0                                         ; 20
load dram=0xc8 dst=sp:104 rows=3 cols=4 stride=9 transpose=0 +push_next                              ; 21
preload src=104 rows=3 cols=4 +pop_prev                                                              ; 22
matmul x=20 y=0 out=0 t=10 rows=3 cols=4 accumulate=1 +push_next                                     ; 23
load dram=0xcc dst=sp:108 rows=3 cols=4 stride=9 transpose=0 +push_next                              ; 24
preload src=108 rows=3 cols=4 +pop_prev                                                              ; 25
matmul x=20 y=0 out=10 t=10 rows=3 cols=4 accumulate=1 +push_next                                    ; 26
load dram=0xd0 dst=sp:80 rows=3 cols=1 stride=9 transpose=0 +pop_next +push_next                     ; 27
preload src=80 rows=3 cols=1 +pop_prev                                                               ; 28
matmul x=20 y=0 out=20 t=10 rows=3 cols=1 accumulate=1 +push_next                                    ; 29
store dram=0x100 src=acc:0 rows=10 cols=4 stride=36 transpose=0 +pop_prev                            ; 30
store dram=0x110 src=acc:10 rows=10 cols=4 stride=36 transpose=0 +pop_prev                           ; 31
store dram=0x120 src=acc:20 rows=10 cols=1 stride=36 transpose=0 +pop_prev                           ; 32
halt                                                                                                 ; 33

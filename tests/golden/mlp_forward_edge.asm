.chip edge
.tensor x addr=0x0 shape=4x20 dtype=fp32 kind=input role=input
.tensor dense1.w addr=0x140 shape=20x16 dtype=fp32 kind=param role=param
.tensor dense1.b addr=0x640 shape=16 dtype=fp32 kind=param role=param
.tensor dense3.w addr=0x680 shape=16x10 dtype=fp32 kind=param role=param
.tensor dense3.b addr=0x900 shape=10 dtype=fp32 kind=param role=param
.tensor logits addr=0x940 shape=4x10 dtype=fp32 kind=output role=output
.tensor __scratch addr=0xa00 shape=960 dtype=int8 kind=scratch role=scratch
.tag x forward
load dram=0x0 dst=acc:1013 rows=5 cols=16 stride=64 transpose=0 +push_next                           ; 0
vec op=COPY dst=sp:6096 src1=acc:1013 src2=acc:1013 rows=5 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 1
store dram=0xa00 src=sp:6096 rows=5 cols=16 stride=32 transpose=0 +pop_prev +push_prev               ; 2
.tag dense1.w forward
load dram=0x140 dst=acc:983 rows=20 cols=16 stride=64 transpose=0 +push_next                         ; 3
vec op=COPY dst=sp:6101 src1=acc:983 src2=acc:983 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev ; 4
.tag dense1 forward
load dram=0xa00 dst=sp:8 rows=4 cols=16 stride=40 transpose=0 +pop_next +push_next                   ; 5
preload src=6101 rows=16 cols=16                                                                     ; 6
matmul x=8 y=0 out=16 t=4 rows=16 cols=16 accumulate=0 +pop_prev                                     ; 7
load dram=0xa20 dst=sp:12 rows=4 cols=4 stride=40 transpose=0 +push_next                             ; 8
preload src=6117 rows=4 cols=16                                                                      ; 9
matmul x=12 y=0 out=16 t=4 rows=4 cols=16 accumulate=1 +pop_prev                                     ; 10
load dram=0x640 dst=acc:1021 rows=1 cols=16 stride=64 transpose=0 +push_next                         ; 11
vec op=ADD dst=acc:0 src1=acc:16 src2=acc:1021 rows=4 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev    ; 12
vec op=RELU dst=acc:4 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 13
vec op=COPY dst=sp:6144 src1=acc:4 src2=acc:4 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 14
.tag dense3.w forward
load dram=0x680 dst=acc:1003 rows=10 cols=16 stride=64 transpose=0 +push_next                        ; 15
vec op=COPY dst=sp:6096 src1=acc:1003 src2=acc:1003 rows=10 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 16
store dram=0xa00 src=sp:6096 rows=10 cols=16 stride=32 transpose=0 +pop_prev +push_prev              ; 17
.tag dense3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 18
load dram=0xa00 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +pop_next +push_next                  ; 19
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 20
matmul x=6144 y=0 out=8 t=4 rows=16 cols=10 accumulate=0                                             ; 21
load dram=0x900 dst=acc:1021 rows=1 cols=10 stride=40 transpose=0 +push_next                         ; 22
vec op=ADD dst=acc:0 src1=acc:8 src2=acc:1021 rows=4 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 23
store dram=0x940 src=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_prev                            ; 24
halt                                                                                                 ; 25

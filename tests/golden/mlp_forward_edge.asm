.chip edge
.tensor x addr=0x0 shape=4x20 dtype=fp32 kind=input role=input
.tensor dense1.w addr=0x140 shape=20x16 dtype=fp32 kind=param role=param
.tensor dense1.b addr=0x640 shape=16 dtype=fp32 kind=param role=param
.tensor dense3.w addr=0x680 shape=16x10 dtype=fp32 kind=param role=param
.tensor dense3.b addr=0x900 shape=10 dtype=fp32 kind=param role=param
.tensor logits addr=0x940 shape=4x10 dtype=fp32 kind=output role=output
.tensor __scratch addr=0xa00 shape=960 dtype=int8 kind=scratch role=scratch
.tag x forward
load dram=0x0 dst=acc:1015 rows=4 cols=16 stride=80 transpose=0 +push_next                           ; 0
vec op=COPY dst=sp:6096 src1=acc:1015 src2=acc:1015 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 1
load dram=0x40 dst=acc:1019 rows=4 cols=4 stride=80 transpose=0 +push_next                           ; 2
vec op=COPY dst=sp:6100 src1=acc:1019 src2=acc:1019 rows=4 cols=4 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 3
.tag dense1.w forward
load dram=0x140 dst=acc:983 rows=20 cols=16 stride=64 transpose=0 +push_next                         ; 4
vec op=COPY dst=sp:6104 src1=acc:983 src2=acc:983 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 5
.tag dense1 forward
preload src=6104 rows=16 cols=16                                                                     ; 6
matmul x=6096 y=0 out=16 t=4 rows=16 cols=16 accumulate=0                                            ; 7
preload src=6120 rows=4 cols=16                                                                      ; 8
matmul x=6100 y=0 out=16 t=4 rows=4 cols=16 accumulate=1                                             ; 9
load dram=0x640 dst=acc:1021 rows=1 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 10
vec op=ADD dst=acc:0 src1=acc:16 src2=acc:1021 rows=4 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_prev ; 11
vec op=RELU dst=acc:4 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 12
vec op=COPY dst=sp:6144 src1=acc:4 src2=acc:4 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 13
.tag dense3.w forward
load dram=0x680 dst=acc:991 rows=16 cols=10 stride=40 transpose=0 +pop_next +push_next               ; 14
vec op=COPY dst=sp:6096 src1=acc:991 src2=acc:991 rows=16 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 15
.tag dense3 forward
preload src=6096 rows=16 cols=10                                                                     ; 16
matmul x=6144 y=0 out=8 t=4 rows=16 cols=10 accumulate=0                                             ; 17
load dram=0x900 dst=acc:1021 rows=1 cols=10 stride=40 transpose=0 +pop_next +push_next               ; 18
vec op=ADD dst=acc:0 src1=acc:8 src2=acc:1021 rows=4 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 19
store dram=0x940 src=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_prev                            ; 20
halt                                                                                                 ; 21

.chip edge
.tensor x addr=0x0 shape=4x20 dtype=fp32 kind=input role=input
.tensor dense1.w addr=0x140 shape=20x16 dtype=fp32 kind=param role=param
.tensor dense1.b addr=0x640 shape=16 dtype=fp32 kind=param role=param
.tensor dense3.w addr=0x680 shape=16x10 dtype=fp32 kind=param role=param
.tensor dense3.b addr=0x900 shape=10 dtype=fp32 kind=param role=param
.tensor labels addr=0x940 shape=4x10 dtype=fp32 kind=input role=label
.tensor lr addr=0xa00 shape=1 dtype=fp32 kind=state role=learning_rate
.tensor logits addr=0xa40 shape=4x10 dtype=fp32 kind=output role=output
.tensor loss addr=0xb00 shape=1 dtype=fp32 kind=output role=loss
.tensor __scratch addr=0xb40 shape=1472 dtype=int8 kind=scratch role=scratch
.tag x forward
load dram=0x0 dst=acc:957 rows=4 cols=16 stride=80 transpose=0 +push_next                            ; 0
vec op=COPY dst=sp:6088 src1=acc:957 src2=acc:957 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 1
store dram=0xb40 src=sp:6088 rows=4 cols=16 stride=40 transpose=0 +pop_prev                          ; 2
load dram=0x40 dst=acc:961 rows=4 cols=4 stride=80 transpose=0 +push_next                            ; 3
vec op=COPY dst=sp:6092 src1=acc:961 src2=acc:961 rows=4 cols=4 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 4
store dram=0xb60 src=sp:6092 rows=4 cols=4 stride=40 transpose=0 +pop_prev                           ; 5
.tag dense1.w forward
load dram=0x140 dst=acc:965 rows=20 cols=16 stride=64 transpose=0 +push_next                         ; 6
vec op=COPY dst=sp:6096 src1=acc:965 src2=acc:965 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 7
.tag dense1 forward
preload src=6096 rows=16 cols=16                                                                     ; 8
matmul x=6088 y=0 out=16 t=4 rows=16 cols=16 accumulate=0                                            ; 9
preload src=6112 rows=4 cols=16                                                                      ; 10
matmul x=6092 y=0 out=16 t=4 rows=4 cols=16 accumulate=1                                             ; 11
load dram=0x640 dst=acc:963 rows=1 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 12
vec op=ADD dst=acc:985 src1=acc:16 src2=acc:963 rows=4 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_prev ; 13
vec op=RELU dst=acc:4 src1=acc:985 src2=acc:985 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 14
vec op=COPY dst=sp:6144 src1=acc:4 src2=acc:4 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next    ; 15
store dram=0xf80 src=sp:6144 rows=4 cols=16 stride=32 transpose=0 +pop_prev                          ; 16
.tag dense3.w forward
load dram=0x680 dst=acc:989 rows=16 cols=10 stride=40 transpose=0 +push_next                         ; 17
vec op=COPY dst=sp:6096 src1=acc:989 src2=acc:989 rows=16 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 18
store dram=0xc00 src=sp:6096 rows=16 cols=10 stride=20 transpose=0 +pop_prev                         ; 19
.tag dense3 forward
preload src=6096 rows=16 cols=10                                                                     ; 20
matmul x=6144 y=0 out=8 t=4 rows=16 cols=10 accumulate=0                                             ; 21
load dram=0x900 dst=acc:963 rows=1 cols=10 stride=40 transpose=0 +pop_next +push_next                ; 22
vec op=ADD dst=acc:1005 src1=acc:8 src2=acc:963 rows=4 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 23
store dram=0xa40 src=acc:1005 rows=4 cols=10 stride=40 transpose=0 +pop_prev +push_prev              ; 24
.tag loss forward
vec op=COPY dst=acc:0 src1=acc:1005 src2=acc:1005 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0           ; 25
load dram=0x940 dst=acc:957 rows=4 cols=10 stride=40 transpose=0 +push_next                          ; 26
vec op=RMAX dst=acc:8 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 27
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                  ; 28
vec op=EXP dst=acc:40 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 29
vec op=RSUM dst=acc:16 src1=acc:40 src2=acc:40 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 30
vec op=LOG dst=acc:56 src1=acc:16 src2=acc:16 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 31
.tag grad_loss backward
vec op=RECIP dst=acc:16 src1=acc:16 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0             ; 32
vec op=MUL dst=acc:40 src1=acc:40 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0               ; 33
vec op=SUB dst=acc:40 src1=acc:40 src2=acc:957 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev    ; 34
vec op=MULI dst=acc:48 src1=acc:40 src2=acc:40 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.25             ; 35
vec op=COPY dst=acc:1005 src1=acc:48 src2=acc:48 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_next  ; 36
.tag loss forward
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:957 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                ; 37
vec op=RSUM dst=acc:32 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                ; 38
vec op=RSUM dst=acc:24 src1=acc:957 src2=acc:957 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0            ; 39
vec op=MUL dst=acc:24 src1=acc:24 src2=acc:56 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 40
vec op=SUB dst=acc:32 src1=acc:32 src2=acc:24 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 41
vec op=CSUM dst=acc:64 src1=acc:32 src2=acc:32 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0               ; 42
vec op=MULI dst=acc:64 src1=acc:64 src2=acc:64 rows=1 cols=1 bcast1=0 bcast2=0 imm=-0.25 +push_next  ; 43
store dram=0xb00 src=acc:64 rows=1 cols=1 stride=4 transpose=0 +pop_prev +push_prev                  ; 44
.tag grad_loss backward
vec op=COPY dst=sp:6112 src1=acc:1005 src2=acc:1005 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0         ; 45
.tag grad_dense3 backward
vec op=CSUM dst=acc:0 src1=acc:1005 src2=acc:1005 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0           ; 46
vec op=COPY dst=acc:1009 src1=acc:0 src2=acc:0 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 47
.tag dense3.b.update optimizer
load dram=0xa00 dst=acc:1005 rows=1 cols=16 stride=0 transpose=1 +pop_next +push_next                ; 48
load dram=0x900 dst=acc:962 rows=1 cols=10 stride=40 transpose=0 +push_next                          ; 49
vec op=MUL dst=acc:0 src1=acc:1009 src2=acc:1005 rows=1 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev  ; 50
vec op=SUB dst=acc:2 src1=acc:962 src2=acc:0 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 51
store dram=0x900 src=acc:2 rows=1 cols=10 stride=40 transpose=0 +pop_prev +push_prev                 ; 52
.tag grad_dense3 backward
load dram=0xc00 dst=sp:4 rows=10 cols=16 stride=20 transpose=1 +push_next                            ; 53
preload src=4 rows=10 cols=16 +pop_prev +push_prev                                                   ; 54
matmul x=6112 y=0 out=1006 t=4 rows=10 cols=16 accumulate=0                                          ; 55
load dram=0xf80 dst=sp:0 rows=16 cols=4 stride=32 transpose=1 +pop_next +push_next                   ; 56
preload src=6112 rows=4 cols=10                                                                      ; 57
matmul x=0 y=0 out=64 t=16 rows=4 cols=10 accumulate=0 +pop_prev                                     ; 58
.tag dense3.w.update optimizer
vec op=MUL dst=acc:0 src1=acc:64 src2=acc:1005 rows=16 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_next   ; 59
vec op=SUB dst=acc:16 src1=acc:989 src2=acc:0 rows=16 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 60
store dram=0x680 src=acc:16 rows=16 cols=10 stride=40 transpose=0 +pop_prev                          ; 61
.tag grad_relu2 backward
vec op=RELU_MASK dst=acc:989 src1=acc:985 src2=acc:1006 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0     ; 62
vec op=COPY dst=sp:6096 src1=acc:989 src2=acc:989 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 63
.tag grad_dense1 backward
vec op=CSUM dst=acc:0 src1=acc:989 src2=acc:989 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 64
vec op=COPY dst=acc:985 src1=acc:0 src2=acc:0 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 65
.tag dense1.b.update optimizer
load dram=0x640 dst=acc:962 rows=1 cols=16 stride=64 transpose=0 +push_next                          ; 66
vec op=MUL dst=acc:0 src1=acc:985 src2=acc:1005 rows=1 cols=16 bcast1=0 bcast2=1 imm=0.0             ; 67
vec op=SUB dst=acc:2 src1=acc:962 src2=acc:0 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 68
store dram=0x640 src=acc:2 rows=1 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 69
.tag grad_dense1 backward
vec op=COPY dst=sp:0 src1=sp:6096 src2=sp:6096 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 70
load dram=0xb40 dst=sp:16 rows=16 cols=4 stride=40 transpose=1 +push_next                            ; 71
preload src=0 rows=4 cols=16                                                                         ; 72
matmul x=16 y=0 out=80 t=16 rows=4 cols=16 accumulate=0 +pop_prev                                    ; 73
.tag dense1.w.update optimizer
vec op=MUL dst=acc:0 src1=acc:80 src2=acc:1005 rows=16 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_next   ; 74
vec op=SUB dst=acc:20 src1=acc:965 src2=acc:0 rows=16 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 75
store dram=0x140 src=acc:20 rows=16 cols=16 stride=64 transpose=0 +pop_prev                          ; 76
.tag grad_dense1 backward
load dram=0xb60 dst=sp:32 rows=4 cols=4 stride=40 transpose=1 +push_next                             ; 77
preload src=0 rows=4 cols=16                                                                         ; 78
matmul x=32 y=0 out=96 t=4 rows=4 cols=16 accumulate=0 +pop_prev                                     ; 79
.tag dense1.w.update optimizer
vec op=MUL dst=acc:40 src1=acc:96 src2=acc:1005 rows=4 cols=16 bcast1=0 bcast2=1 imm=0.0             ; 80
vec op=SUB dst=acc:60 src1=acc:981 src2=acc:40 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 81
store dram=0x540 src=acc:60 rows=4 cols=16 stride=64 transpose=0 +pop_prev                           ; 82
.tag grad_dense1 backward
halt                                                                                                 ; 83

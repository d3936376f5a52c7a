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
load dram=0x0 dst=acc:991 rows=5 cols=16 stride=64 transpose=0 +push_next                            ; 0
vec op=COPY dst=sp:6088 src1=acc:991 src2=acc:991 rows=5 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 1
store dram=0xb40 src=sp:6088 rows=5 cols=16 stride=32 transpose=0 +pop_prev +push_prev               ; 2
.tag dense1.w forward
load dram=0x140 dst=acc:961 rows=20 cols=16 stride=64 transpose=0 +push_next                         ; 3
vec op=COPY dst=sp:6093 src1=acc:961 src2=acc:961 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev ; 4
.tag dense1 forward
load dram=0xb40 dst=sp:8 rows=4 cols=16 stride=40 transpose=0 +pop_next +push_next                   ; 5
preload src=6093 rows=16 cols=16                                                                     ; 6
matmul x=8 y=0 out=16 t=4 rows=16 cols=16 accumulate=0 +pop_prev                                     ; 7
load dram=0xb60 dst=sp:12 rows=4 cols=4 stride=40 transpose=0 +push_next                             ; 8
preload src=6109 rows=4 cols=16                                                                      ; 9
matmul x=12 y=0 out=16 t=4 rows=4 cols=16 accumulate=1 +pop_prev                                     ; 10
load dram=0x640 dst=acc:999 rows=1 cols=16 stride=64 transpose=0 +push_next                          ; 11
vec op=ADD dst=acc:1001 src1=acc:16 src2=acc:999 rows=4 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev  ; 12
vec op=RELU dst=acc:4 src1=acc:1001 src2=acc:1001 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 13
vec op=COPY dst=sp:6144 src1=acc:4 src2=acc:4 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next    ; 14
store dram=0xf80 src=sp:6144 rows=4 cols=16 stride=32 transpose=0 +pop_prev                          ; 15
.tag dense3.w forward
load dram=0x680 dst=acc:981 rows=10 cols=16 stride=64 transpose=0 +push_next                         ; 16
vec op=COPY dst=sp:6093 src1=acc:981 src2=acc:981 rows=10 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 17
store dram=0xc00 src=sp:6093 rows=10 cols=16 stride=32 transpose=0 +pop_prev +push_prev              ; 18
.tag dense3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 19
load dram=0xc00 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +pop_next +push_next                  ; 20
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 21
matmul x=6144 y=0 out=8 t=4 rows=16 cols=10 accumulate=0                                             ; 22
load dram=0x900 dst=acc:999 rows=1 cols=10 stride=40 transpose=0 +push_next                          ; 23
vec op=ADD dst=acc:1005 src1=acc:8 src2=acc:999 rows=4 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_prev +push_next ; 24
store dram=0xa40 src=acc:1005 rows=4 cols=10 stride=40 transpose=0 +pop_prev +push_prev              ; 25
.tag loss forward
vec op=COPY dst=acc:0 src1=acc:1005 src2=acc:1005 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0           ; 26
load dram=0x940 dst=acc:8 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 27
vec op=RMAX dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                ; 28
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 29
vec op=EXP dst=acc:32 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 30
vec op=RSUM dst=acc:32 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 31
vec op=COPY dst=acc:24 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 32
vec op=LOG dst=acc:24 src1=acc:24 src2=acc:24 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 33
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev        ; 34
vec op=RSUM dst=acc:40 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                ; 35
vec op=RSUM dst=acc:32 src1=acc:8 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_prev     ; 36
vec op=MUL dst=acc:32 src1=acc:32 src2=acc:24 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 37
vec op=SUB dst=acc:40 src1=acc:40 src2=acc:32 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 38
vec op=CSUM dst=acc:48 src1=acc:40 src2=acc:40 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0               ; 39
vec op=MULI dst=acc:48 src1=acc:48 src2=acc:48 rows=1 cols=1 bcast1=0 bcast2=0 imm=-0.25 +push_next  ; 40
store dram=0xb00 src=acc:48 rows=1 cols=1 stride=4 transpose=0 +pop_prev                             ; 41
.tag grad_loss backward
vec op=COPY dst=acc:0 src1=acc:1005 src2=acc:1005 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0           ; 42
load dram=0x940 dst=acc:8 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 43
vec op=RMAX dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                ; 44
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 45
vec op=EXP dst=acc:0 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                  ; 46
vec op=RSUM dst=acc:24 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                ; 47
vec op=RECIP dst=acc:24 src1=acc:24 src2=acc:24 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0             ; 48
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:24 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 49
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev        ; 50
vec op=MULI dst=acc:32 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.25               ; 51
vec op=COPY dst=acc:1009 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_next ; 52
store dram=0xd40 src=acc:1009 rows=4 cols=10 stride=40 transpose=0 +pop_prev                         ; 53
.tag grad_dense3 backward
vec op=CSUM dst=acc:0 src1=acc:1009 src2=acc:1009 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0           ; 54
vec op=COPY dst=acc:1005 src1=acc:0 src2=acc:0 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_next    ; 55
.tag dense3.b.update optimizer
load dram=0xa00 dst=acc:1000 rows=1 cols=16 stride=0 transpose=1 +push_next                          ; 56
load dram=0x900 dst=acc:998 rows=1 cols=10 stride=40 transpose=0 +push_next                          ; 57
vec op=MUL dst=acc:0 src1=acc:1005 src2=acc:1000 rows=1 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev  ; 58
vec op=SUB dst=acc:2 src1=acc:998 src2=acc:0 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 59
store dram=0x900 src=acc:2 rows=1 cols=10 stride=40 transpose=0 +pop_prev +push_prev                 ; 60
.tag grad_loss backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 61
load dram=0xd40 dst=acc:997 rows=2 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 62
vec op=COPY dst=sp:6103 src1=acc:997 src2=acc:997 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 63
store dram=0xe00 src=sp:6103 rows=2 cols=16 stride=32 transpose=0 +pop_prev                          ; 64
load dram=0xdc0 dst=acc:999 rows=1 cols=8 stride=32 transpose=0 +push_next                           ; 65
vec op=COPY dst=sp:6105 src1=acc:999 src2=acc:999 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 66
store dram=0xe40 src=sp:6105 rows=1 cols=8 stride=16 transpose=0 +pop_prev +push_prev                ; 67
.tag grad_dense3 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 68
load dram=0xe00 dst=sp:0 rows=4 cols=10 stride=20 transpose=0 +pop_next                              ; 69
load dram=0xc00 dst=sp:4 rows=10 cols=16 stride=20 transpose=1 +push_next                            ; 70
preload src=4 rows=10 cols=16 +pop_prev                                                              ; 71
matmul x=0 y=0 out=1005 t=4 rows=10 cols=16 accumulate=0 +push_prev                                  ; 72
.tag dense3.w.update optimizer
load dram=0xa00 dst=acc:1000 rows=1 cols=16 stride=0 transpose=1                                     ; 73
.tag grad_dense3 backward
load dram=0xf80 dst=sp:0 rows=16 cols=4 stride=32 transpose=1 +pop_next                              ; 74
load dram=0xe00 dst=sp:16 rows=4 cols=10 stride=20 transpose=0 +push_next                            ; 75
preload src=16 rows=4 cols=10 +pop_prev                                                              ; 76
matmul x=0 y=0 out=64 t=16 rows=4 cols=10 accumulate=0                                               ; 77
.tag dense3.w.update optimizer
load dram=0x680 dst=acc:984 rows=16 cols=10 stride=40 transpose=0 +push_next                         ; 78
vec op=MUL dst=acc:0 src1=acc:64 src2=acc:1000 rows=16 cols=10 bcast1=0 bcast2=1 imm=0.0 +push_prev  ; 79
vec op=SUB dst=acc:16 src1=acc:984 src2=acc:0 rows=16 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 80
store dram=0x680 src=acc:16 rows=16 cols=10 stride=40 transpose=0 +pop_prev                          ; 81
.tag grad_relu2 backward
vec op=RELU_MASK dst=acc:1009 src1=acc:1001 src2=acc:1005 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0   ; 82
.tag grad_dense1 backward
vec op=CSUM dst=acc:0 src1=acc:1009 src2=acc:1009 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 83
vec op=COPY dst=acc:1001 src1=acc:0 src2=acc:0 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 84
.tag dense1.b.update optimizer
load dram=0xa00 dst=acc:1000 rows=1 cols=16 stride=0 transpose=1 +pop_next +push_next                ; 85
load dram=0x640 dst=acc:998 rows=1 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 86
vec op=MUL dst=acc:0 src1=acc:1001 src2=acc:1000 rows=1 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_prev ; 87
vec op=SUB dst=acc:2 src1=acc:998 src2=acc:0 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 88
store dram=0x640 src=acc:2 rows=1 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 89
.tag grad_relu2 backward
vec op=COPY dst=sp:6093 src1=acc:1009 src2=acc:1009 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0         ; 90
.tag dense1.w.update optimizer
load dram=0xa00 dst=acc:1000 rows=1 cols=16 stride=0 transpose=1 +pop_next                           ; 91
.tag grad_dense1 backward
vec op=COPY dst=sp:0 src1=sp:6093 src2=sp:6093 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 92
load dram=0xb40 dst=sp:16 rows=16 cols=4 stride=40 transpose=1 +push_next                            ; 93
preload src=0 rows=4 cols=16                                                                         ; 94
matmul x=16 y=0 out=80 t=16 rows=4 cols=16 accumulate=0 +pop_prev                                    ; 95
.tag dense1.w.update optimizer
load dram=0x140 dst=acc:980 rows=16 cols=16 stride=64 transpose=0 +push_next                         ; 96
vec op=MUL dst=acc:0 src1=acc:80 src2=acc:1000 rows=16 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_next   ; 97
vec op=SUB dst=acc:20 src1=acc:980 src2=acc:0 rows=16 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 98
store dram=0x140 src=acc:20 rows=16 cols=16 stride=64 transpose=0 +pop_prev                          ; 99
.tag grad_dense1 backward
load dram=0xb60 dst=sp:32 rows=4 cols=4 stride=40 transpose=1 +push_next                             ; 100
preload src=0 rows=4 cols=16                                                                         ; 101
matmul x=32 y=0 out=96 t=4 rows=4 cols=16 accumulate=0 +pop_prev                                     ; 102
.tag dense1.w.update optimizer
load dram=0x540 dst=acc:960 rows=4 cols=16 stride=64 transpose=0 +push_next                          ; 103
vec op=MUL dst=acc:40 src1=acc:96 src2=acc:1000 rows=4 cols=16 bcast1=0 bcast2=1 imm=0.0             ; 104
vec op=SUB dst=acc:60 src1=acc:960 src2=acc:40 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 105
store dram=0x540 src=acc:60 rows=4 cols=16 stride=64 transpose=0 +pop_prev                           ; 106
.tag grad_dense1 backward
halt                                                                                                 ; 107

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
load dram=0x0 dst=acc:995 rows=5 cols=16 stride=64 transpose=0 +push_next                            ; 0
vec op=COPY dst=sp:0 src1=acc:995 src2=acc:995 rows=5 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev    ; 1
vec op=COPY dst=sp:6088 src1=sp:0 src2=sp:0 rows=5 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next      ; 2
store dram=0xb40 src=sp:6088 rows=5 cols=16 stride=32 transpose=0 +pop_prev +push_prev               ; 3
.tag dense1.w forward
load dram=0x140 dst=acc:965 rows=20 cols=16 stride=64 transpose=0 +push_next                         ; 4
vec op=COPY dst=sp:0 src1=acc:965 src2=acc:965 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev   ; 5
vec op=COPY dst=sp:6093 src1=sp:0 src2=sp:0 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 6
.tag dense1 forward
load dram=0xb40 dst=sp:8 rows=4 cols=16 stride=40 transpose=0 +pop_next +push_next                   ; 7
load dram=0xb60 dst=sp:12 rows=4 cols=4 stride=40 transpose=0 +push_next                             ; 8
preload src=6093 rows=16 cols=16                                                                     ; 9
matmul x=8 y=0 out=16 t=4 rows=16 cols=16 accumulate=0 +pop_prev                                     ; 10
preload src=6109 rows=4 cols=16                                                                      ; 11
matmul x=12 y=0 out=16 t=4 rows=4 cols=16 accumulate=1 +pop_prev                                     ; 12
load dram=0x640 dst=acc:1004 rows=1 cols=16 stride=64 transpose=0 +push_next                         ; 13
vec op=ADD dst=acc:0 src1=acc:16 src2=acc:1004 rows=4 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev    ; 14
vec op=RELU dst=acc:4 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 15
vec op=COPY dst=sp:0 src1=acc:4 src2=acc:4 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0                  ; 16
vec op=COPY dst=acc:1005 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 17
vec op=COPY dst=sp:6144 src1=sp:0 src2=sp:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next      ; 18
store dram=0xf80 src=sp:6144 rows=4 cols=16 stride=32 transpose=0 +pop_prev                          ; 19
.tag dense3.w forward
load dram=0x680 dst=acc:985 rows=10 cols=16 stride=64 transpose=0 +push_next                         ; 20
vec op=COPY dst=sp:0 src1=acc:985 src2=acc:985 rows=10 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev   ; 21
vec op=COPY dst=sp:6093 src1=sp:0 src2=sp:0 rows=10 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 22
store dram=0xc00 src=sp:6093 rows=10 cols=16 stride=32 transpose=0 +pop_prev +push_prev              ; 23
.tag dense3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 24
load dram=0xc00 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +pop_next +push_next                  ; 25
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 26
matmul x=6144 y=0 out=8 t=4 rows=16 cols=10 accumulate=0                                             ; 27
load dram=0x900 dst=acc:1004 rows=1 cols=10 stride=40 transpose=0 +push_next                         ; 28
vec op=ADD dst=acc:0 src1=acc:8 src2=acc:1004 rows=4 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 29
store dram=0xa40 src=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_prev +push_prev                 ; 30
.tag loss forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 31
load dram=0xa40 dst=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 32
load dram=0x940 dst=acc:8 rows=4 cols=10 stride=40 transpose=0 +push_next                            ; 33
vec op=RMAX dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev      ; 34
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 35
vec op=EXP dst=acc:32 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 36
vec op=RSUM dst=acc:32 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 37
vec op=COPY dst=acc:24 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 38
vec op=LOG dst=acc:24 src1=acc:24 src2=acc:24 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 39
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev        ; 40
vec op=RSUM dst=acc:40 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_prev     ; 41
vec op=RSUM dst=acc:32 src1=acc:8 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_prev     ; 42
vec op=MUL dst=acc:32 src1=acc:32 src2=acc:24 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 43
vec op=SUB dst=acc:40 src1=acc:40 src2=acc:32 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 44
vec op=CSUM dst=acc:48 src1=acc:40 src2=acc:40 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0               ; 45
vec op=MULI dst=acc:48 src1=acc:48 src2=acc:48 rows=1 cols=1 bcast1=0 bcast2=0 imm=-0.25 +push_next  ; 46
store dram=0xb00 src=acc:48 rows=1 cols=1 stride=4 transpose=0 +pop_prev                             ; 47
.tag grad_loss backward
load dram=0xa40 dst=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 48
load dram=0x940 dst=acc:8 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 49
vec op=RMAX dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev      ; 50
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 51
vec op=EXP dst=acc:0 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                  ; 52
vec op=RSUM dst=acc:24 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                ; 53
vec op=RECIP dst=acc:24 src1=acc:24 src2=acc:24 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0             ; 54
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:24 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 55
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev        ; 56
vec op=MULI dst=acc:32 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.25               ; 57
vec op=COPY dst=acc:1009 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_next ; 58
store dram=0xd40 src=acc:1009 rows=4 cols=10 stride=40 transpose=0 +pop_prev                         ; 59
.tag grad_dense3 backward
vec op=CSUM dst=acc:0 src1=acc:1009 src2=acc:1009 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0           ; 60
vec op=COPY dst=acc:1013 src1=acc:0 src2=acc:0 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 61
.tag dense3.b.update optimizer
load dram=0xa00 dst=acc:1001 rows=1 cols=10 stride=0 transpose=1 +push_next                          ; 62
load dram=0x900 dst=acc:1003 rows=1 cols=10 stride=40 transpose=0 +push_next                         ; 63
vec op=MUL dst=acc:0 src1=acc:1013 src2=acc:1001 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev  ; 64
vec op=SUB dst=acc:2 src1=acc:1003 src2=acc:0 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 65
store dram=0x900 src=acc:2 rows=1 cols=10 stride=40 transpose=0 +pop_prev +push_prev                 ; 66
.tag grad_loss backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 67
load dram=0xd40 dst=acc:1001 rows=2 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 68
vec op=COPY dst=sp:0 src1=acc:1001 src2=acc:1001 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev  ; 69
vec op=COPY dst=sp:6103 src1=sp:0 src2=sp:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next      ; 70
store dram=0xe00 src=sp:6103 rows=2 cols=16 stride=32 transpose=0 +pop_prev                          ; 71
load dram=0xdc0 dst=acc:1003 rows=1 cols=8 stride=32 transpose=0 +push_next                          ; 72
vec op=COPY dst=sp:2 src1=acc:1003 src2=acc:1003 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev   ; 73
vec op=COPY dst=sp:6105 src1=sp:2 src2=sp:2 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 74
store dram=0xe40 src=sp:6105 rows=1 cols=8 stride=16 transpose=0 +pop_prev +push_prev                ; 75
.tag grad_dense3 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 76
load dram=0xe00 dst=sp:0 rows=4 cols=10 stride=20 transpose=0 +pop_next                              ; 77
load dram=0xc00 dst=sp:4 rows=10 cols=16 stride=20 transpose=1 +push_next                            ; 78
preload src=4 rows=10 cols=16 +pop_prev                                                              ; 79
matmul x=0 y=0 out=0 t=4 rows=10 cols=16 accumulate=0 +push_prev                                     ; 80
vec op=COPY dst=acc:1009 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 81
load dram=0xa00 dst=acc:1004 rows=1 cols=16 stride=0 transpose=1                                     ; 82
load dram=0xf80 dst=sp:0 rows=16 cols=4 stride=32 transpose=1 +pop_next                              ; 83
load dram=0xe00 dst=sp:16 rows=4 cols=10 stride=20 transpose=0 +push_next                            ; 84
preload src=16 rows=4 cols=10 +pop_prev                                                              ; 85
matmul x=0 y=0 out=64 t=16 rows=4 cols=10 accumulate=0                                               ; 86
load dram=0x680 dst=acc:988 rows=16 cols=10 stride=40 transpose=0 +push_next                         ; 87
vec op=MUL dst=acc:0 src1=acc:64 src2=acc:1004 rows=16 cols=10 bcast1=0 bcast2=1 imm=0.0             ; 88
vec op=SUB dst=acc:16 src1=acc:988 src2=acc:0 rows=16 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 89
store dram=0x680 src=acc:16 rows=16 cols=10 stride=40 transpose=0 +pop_prev                          ; 90
.tag grad_relu2 backward
vec op=RELU_MASK dst=acc:0 src1=acc:1005 src2=acc:1009 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0      ; 91
vec op=COPY dst=acc:1013 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 92
.tag grad_dense1 backward
vec op=CSUM dst=acc:0 src1=acc:1013 src2=acc:1013 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 93
vec op=COPY dst=acc:1005 src1=acc:0 src2=acc:0 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 94
.tag dense1.b.update optimizer
load dram=0xa00 dst=acc:1001 rows=1 cols=16 stride=0 transpose=1 +pop_next +push_next                ; 95
load dram=0x640 dst=acc:1003 rows=1 cols=16 stride=64 transpose=0 +push_next                         ; 96
vec op=MUL dst=acc:0 src1=acc:1005 src2=acc:1001 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev  ; 97
vec op=SUB dst=acc:2 src1=acc:1003 src2=acc:0 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 98
store dram=0x640 src=acc:2 rows=1 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 99
.tag grad_relu2 backward
vec op=COPY dst=sp:0 src1=acc:1013 src2=acc:1013 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 100
vec op=COPY dst=sp:6093 src1=sp:0 src2=sp:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_prev      ; 101
.tag grad_dense1 backward
load dram=0xa00 dst=acc:1004 rows=1 cols=16 stride=0 transpose=1                                     ; 102
load dram=0xb40 dst=sp:0 rows=20 cols=4 stride=40 transpose=1 +pop_next +push_next                   ; 103
preload src=6093 rows=4 cols=16                                                                      ; 104
matmul x=0 y=0 out=80 t=20 rows=4 cols=16 accumulate=0 +pop_prev                                     ; 105
load dram=0x140 dst=acc:984 rows=20 cols=16 stride=64 transpose=0 +push_next                         ; 106
vec op=MUL dst=acc:0 src1=acc:80 src2=acc:1004 rows=20 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_next   ; 107
vec op=SUB dst=acc:20 src1=acc:984 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 108
store dram=0x140 src=acc:20 rows=20 cols=16 stride=64 transpose=0 +pop_prev                          ; 109
halt                                                                                                 ; 110

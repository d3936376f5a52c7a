.chip edge
.tensor x addr=0x0 shape=4x20 dtype=fp32 kind=input
.tensor dense1.w addr=0x140 shape=20x16 dtype=fp32 kind=param
.tensor dense1.b addr=0x640 shape=16 dtype=fp32 kind=param
.tensor dense3.w addr=0x680 shape=16x10 dtype=fp32 kind=param
.tensor dense3.b addr=0x900 shape=10 dtype=fp32 kind=param
.tensor labels addr=0x940 shape=4x10 dtype=fp32 kind=input
.tensor lr addr=0xa00 shape=1 dtype=fp32 kind=state
.tensor logits addr=0xa40 shape=4x10 dtype=fp32 kind=output
.tensor loss addr=0xb00 shape=1 dtype=fp32 kind=output
.tensor __scratch addr=0xb40 shape=4736 dtype=int8 kind=scratch
.tag x forward
load dram=0x0 dst=acc:0 rows=5 cols=16 stride=64 transpose=0 +push_next                              ; 0
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=5 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 1
store dram=0xb40 src=sp:0 rows=5 cols=16 stride=32 transpose=0 +pop_prev +push_prev                  ; 2
.tag dense1.w forward
load dram=0x140 dst=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 3
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 4
store dram=0xc00 src=sp:0 rows=20 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 5
.tag dense1 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 6
load dram=0xb40 dst=sp:0 rows=4 cols=16 stride=40 transpose=0 +pop_next                              ; 7
load dram=0xb60 dst=sp:4 rows=4 cols=4 stride=40 transpose=0                                         ; 8
load dram=0xc00 dst=sp:8 rows=16 cols=16 stride=32 transpose=0 +push_next                            ; 9
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 10
matmul x=0 y=0 out=0 t=4 rows=16 cols=16 accumulate=0                                                ; 11
load dram=0xe00 dst=sp:24 rows=4 cols=16 stride=32 transpose=0 +push_next                            ; 12
preload src=24 rows=4 cols=16 +pop_prev                                                              ; 13
matmul x=4 y=0 out=0 t=4 rows=4 cols=16 accumulate=1 +push_next                                      ; 14
store dram=0xe80 src=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 15
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 16
load dram=0x640 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                             ; 17
load dram=0xe80 dst=acc:1 rows=4 cols=16 stride=64 transpose=0 +push_next                            ; 18
vec op=ADD dst=acc:9 src1=acc:1 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 19
vec op=RELU dst=acc:17 src1=acc:9 src2=acc:9 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0                ; 20
vec op=COPY dst=sp:0 src1=acc:17 src2=acc:17 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 21
store dram=0xc00 src=acc:9 rows=4 cols=16 stride=64 transpose=0 +pop_prev                            ; 22
store dram=0xe00 src=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_prev +push_prev                  ; 23
.tag dense3.w forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 24
load dram=0x680 dst=acc:0 rows=10 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 25
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=10 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 26
store dram=0xe80 src=sp:0 rows=10 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 27
.tag dense3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 28
load dram=0xe00 dst=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_next                              ; 29
load dram=0xe80 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +push_next                            ; 30
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 31
matmul x=0 y=0 out=0 t=4 rows=16 cols=10 accumulate=0 +push_next                                     ; 32
store dram=0xd00 src=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_prev +push_prev                 ; 33
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 34
load dram=0x900 dst=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_next                             ; 35
load dram=0xd00 dst=acc:1 rows=4 cols=10 stride=40 transpose=0 +push_next                            ; 36
vec op=ADD dst=acc:9 src1=acc:1 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 37
store dram=0xa40 src=acc:9 rows=4 cols=10 stride=40 transpose=0 +pop_prev +push_prev                 ; 38
.tag loss forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 39
load dram=0xa40 dst=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 40
load dram=0x940 dst=acc:8 rows=4 cols=10 stride=40 transpose=0 +push_next                            ; 41
vec op=RMAX dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev      ; 42
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 43
vec op=EXP dst=acc:32 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 44
vec op=RSUM dst=acc:32 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 45
vec op=COPY dst=acc:24 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 46
vec op=LOG dst=acc:24 src1=acc:24 src2=acc:24 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 47
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev        ; 48
vec op=RSUM dst=acc:40 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_prev     ; 49
vec op=RSUM dst=acc:32 src1=acc:8 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_prev     ; 50
vec op=MUL dst=acc:32 src1=acc:32 src2=acc:24 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 51
vec op=SUB dst=acc:40 src1=acc:40 src2=acc:32 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 52
vec op=CSUM dst=acc:48 src1=acc:40 src2=acc:40 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0               ; 53
vec op=MULI dst=acc:48 src1=acc:48 src2=acc:48 rows=1 cols=1 bcast1=0 bcast2=0 imm=-0.25 +push_next  ; 54
store dram=0xb00 src=acc:48 rows=1 cols=1 stride=4 transpose=0 +pop_prev                             ; 55
.tag grad_loss backward
load dram=0xa40 dst=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 56
load dram=0x940 dst=acc:8 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 57
vec op=RMAX dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev      ; 58
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 59
vec op=EXP dst=acc:0 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                  ; 60
vec op=RSUM dst=acc:24 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                ; 61
vec op=RECIP dst=acc:24 src1=acc:24 src2=acc:24 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0             ; 62
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:24 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 63
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev        ; 64
vec op=MULI dst=acc:32 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.25 +push_next    ; 65
store dram=0xd00 src=acc:32 rows=4 cols=10 stride=40 transpose=0 +pop_prev +push_prev                ; 66
.tag grad_dense3 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 67
load dram=0xd00 dst=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 68
vec op=CSUM dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 69
store dram=0xdc0 src=acc:16 rows=1 cols=10 stride=40 transpose=0 +pop_prev                           ; 70
.tag grad_loss backward
load dram=0xd00 dst=acc:0 rows=2 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 71
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 72
store dram=0xfc0 src=sp:0 rows=2 cols=16 stride=32 transpose=0 +pop_prev                             ; 73
load dram=0xd80 dst=acc:2 rows=1 cols=8 stride=32 transpose=0 +push_next                             ; 74
vec op=COPY dst=sp:2 src1=acc:2 src2=acc:2 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 75
store dram=0x1000 src=sp:2 rows=1 cols=8 stride=16 transpose=0 +pop_prev +push_prev                  ; 76
.tag grad_dense3 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 77
load dram=0xfc0 dst=sp:0 rows=4 cols=10 stride=20 transpose=0 +pop_next                              ; 78
load dram=0xe80 dst=sp:4 rows=10 cols=16 stride=20 transpose=1 +push_next                            ; 79
preload src=4 rows=10 cols=16 +pop_prev                                                              ; 80
matmul x=0 y=0 out=0 t=4 rows=10 cols=16 accumulate=0 +push_prev +push_next                          ; 81
store dram=0x1040 src=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                ; 82
load dram=0xe00 dst=sp:0 rows=16 cols=4 stride=32 transpose=1 +pop_next                              ; 83
load dram=0xfc0 dst=sp:16 rows=4 cols=10 stride=20 transpose=0 +push_next                            ; 84
preload src=16 rows=4 cols=10 +pop_prev                                                              ; 85
matmul x=0 y=0 out=0 t=16 rows=4 cols=10 accumulate=0 +pop_next +push_next                           ; 86
store dram=0x1140 src=acc:0 rows=16 cols=10 stride=40 transpose=0 +pop_prev +push_prev               ; 87
.tag grad_relu2 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 88
load dram=0xc00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next                             ; 89
load dram=0x1040 dst=acc:8 rows=4 cols=16 stride=64 transpose=0 +push_next                           ; 90
vec op=RELU_MASK dst=acc:16 src1=acc:0 src2=acc:8 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 91
store dram=0xe00 src=acc:16 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                ; 92
.tag grad_dense1 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 93
load dram=0xe00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 94
vec op=CSUM dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 95
store dram=0xc00 src=acc:16 rows=1 cols=16 stride=64 transpose=0 +pop_prev                           ; 96
.tag grad_relu2 backward
load dram=0xe00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 97
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 98
store dram=0xc40 src=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_prev +push_prev                  ; 99
.tag grad_dense1 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 100
load dram=0xb40 dst=sp:0 rows=20 cols=4 stride=40 transpose=1 +pop_next                              ; 101
load dram=0xc40 dst=sp:20 rows=4 cols=16 stride=32 transpose=0 +push_next                            ; 102
preload src=20 rows=4 cols=16 +pop_prev                                                              ; 103
matmul x=0 y=0 out=0 t=20 rows=4 cols=16 accumulate=0 +push_next                                     ; 104
store dram=0x13c0 src=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 105
.tag dense1.w.update optimizer
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 106
load dram=0xa00 dst=acc:0 rows=1 cols=16 stride=0 transpose=1 +pop_next                              ; 107
load dram=0x13c0 dst=acc:1 rows=20 cols=16 stride=64 transpose=0 +push_next                          ; 108
load dram=0x140 dst=acc:41 rows=20 cols=16 stride=64 transpose=0 +push_next                          ; 109
vec op=MUL dst=acc:81 src1=acc:1 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_prev ; 110
vec op=SUB dst=acc:121 src1=acc:41 src2=acc:81 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 111
store dram=0x140 src=acc:121 rows=20 cols=16 stride=64 transpose=0 +pop_prev                         ; 112
.tag dense1.b.update optimizer
load dram=0xc00 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                             ; 113
load dram=0xa00 dst=acc:2 rows=1 cols=16 stride=0 transpose=1 +push_next                             ; 114
load dram=0x640 dst=acc:4 rows=1 cols=16 stride=64 transpose=0 +push_next                            ; 115
vec op=MUL dst=acc:6 src1=acc:0 src2=acc:2 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 116
vec op=SUB dst=acc:8 src1=acc:4 src2=acc:6 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 117
store dram=0x640 src=acc:8 rows=1 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 118
.tag dense3.w.update optimizer
load dram=0xa00 dst=acc:0 rows=1 cols=16 stride=0 transpose=1 +pop_next                              ; 119
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 120
load dram=0x1140 dst=acc:1 rows=10 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 121
load dram=0x680 dst=acc:21 rows=10 cols=16 stride=64 transpose=0 +push_next                          ; 122
vec op=MUL dst=acc:41 src1=acc:1 src2=acc:0 rows=10 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_prev ; 123
vec op=SUB dst=acc:61 src1=acc:21 src2=acc:41 rows=10 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 124
store dram=0x680 src=acc:61 rows=10 cols=16 stride=64 transpose=0 +pop_prev                          ; 125
.tag dense3.b.update optimizer
load dram=0xdc0 dst=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_next                             ; 126
load dram=0xa00 dst=acc:2 rows=1 cols=10 stride=0 transpose=1 +push_next                             ; 127
load dram=0x900 dst=acc:4 rows=1 cols=10 stride=40 transpose=0 +push_next                            ; 128
vec op=MUL dst=acc:6 src1=acc:0 src2=acc:2 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev        ; 129
vec op=SUB dst=acc:8 src1=acc:4 src2=acc:6 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 130
store dram=0x900 src=acc:8 rows=1 cols=10 stride=40 transpose=0 +pop_prev                            ; 131
halt                                                                                                 ; 132

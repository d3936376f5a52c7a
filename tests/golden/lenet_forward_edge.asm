.chip edge
.tensor x addr=0x0 shape=2x8x8x1 dtype=fp32 kind=input
.tensor conv1.w addr=0x200 shape=3x3x1x8 dtype=fp32 kind=param
.tensor conv1.b addr=0x340 shape=8 dtype=fp32 kind=param
.tensor conv4.w addr=0x380 shape=3x3x8x16 dtype=fp32 kind=param
.tensor conv4.b addr=0x1580 shape=16 dtype=fp32 kind=param
.tensor dense8.w addr=0x15c0 shape=64x32 dtype=fp32 kind=param
.tensor dense8.b addr=0x35c0 shape=32 dtype=fp32 kind=param
.tensor dense10.w addr=0x3640 shape=32x10 dtype=fp32 kind=param
.tensor dense10.b addr=0x3b40 shape=10 dtype=fp32 kind=param
.tensor logits addr=0x3b80 shape=2x10 dtype=fp32 kind=output
.tensor __scratch addr=0x3c00 shape=12736 dtype=int8 kind=scratch
.tensor __temp addr=0x6dc0 shape=5760 dtype=int8 kind=scratch
.tag x forward
load dram=0x0 dst=acc:0 rows=8 cols=16 stride=64 transpose=0 +push_next                              ; 0
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 1
store dram=0x3c00 src=sp:0 rows=8 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 2
.tag conv1.w forward
load dram=0x200 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 3
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 4
store dram=0x3d00 src=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_prev                            ; 5
load dram=0x300 dst=acc:4 rows=1 cols=8 stride=32 transpose=0 +push_next                             ; 6
vec op=COPY dst=sp:4 src1=acc:4 src2=acc:4 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 7
store dram=0x3d80 src=sp:4 rows=1 cols=8 stride=16 transpose=0 +pop_prev +push_prev                  ; 8
.tag conv1 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=12 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 9
store dram=0x6dc0 src=sp:0 rows=12 cols=16 stride=32 transpose=0 +pop_prev                           ; 10
store dram=0x6f40 src=sp:0 rows=1 cols=8 stride=16 transpose=0 +push_prev                            ; 11
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 12
load dram=0x3c00 dst=sp:12 rows=8 cols=8 stride=16 transpose=0 +pop_next                             ; 13
load dram=0x3c80 dst=sp:267 rows=8 cols=8 stride=16 transpose=0 +push_next                           ; 14
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 15
store dram=0x6dd6 src=sp:12 rows=8 cols=8 stride=20 transpose=0 +pop_prev                            ; 16
store dram=0x6e9e src=sp:267 rows=8 cols=8 stride=20 transpose=0 +push_prev                          ; 17
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 18
load dram=0x6dc0 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 19
load dram=0x6dd4 dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 20
load dram=0x6de8 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 21
load dram=0x6dd4 dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 22
load dram=0x6de8 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 23
load dram=0x6dfc dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 24
load dram=0x6de8 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 25
load dram=0x6dfc dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 26
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 27
store dram=0x6f80 src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 28
store dram=0x6f86 src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 29
store dram=0x6f8c src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 30
store dram=0x7010 src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 31
store dram=0x7016 src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 32
store dram=0x701c src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 33
store dram=0x70a0 src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 34
store dram=0x70a6 src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 35
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 36
load dram=0x6e10 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 37
load dram=0x6dfc dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 38
load dram=0x6e10 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 39
load dram=0x6e24 dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 40
load dram=0x6e10 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 41
load dram=0x6e24 dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 42
load dram=0x6e38 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 43
load dram=0x6e24 dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 44
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 45
store dram=0x70ac src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 46
store dram=0x7130 src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 47
store dram=0x7136 src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 48
store dram=0x713c src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 49
store dram=0x71c0 src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 50
store dram=0x71c6 src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 51
store dram=0x71cc src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 52
store dram=0x7250 src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 53
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 54
load dram=0x6e38 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 55
load dram=0x6e4c dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 56
load dram=0x6e38 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 57
load dram=0x6e4c dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 58
load dram=0x6e60 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 59
load dram=0x6e4c dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 60
load dram=0x6e60 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 61
load dram=0x6e74 dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 62
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 63
store dram=0x7256 src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 64
store dram=0x725c src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 65
store dram=0x72e0 src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 66
store dram=0x72e6 src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 67
store dram=0x72ec src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 68
store dram=0x7370 src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 69
store dram=0x7376 src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 70
store dram=0x737c src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 71
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 72
load dram=0x6e88 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 73
load dram=0x6e9c dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 74
load dram=0x6eb0 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 75
load dram=0x6e9c dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 76
load dram=0x6eb0 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 77
load dram=0x6ec4 dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 78
load dram=0x6eb0 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 79
load dram=0x6ec4 dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 80
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 81
store dram=0x7400 src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 82
store dram=0x7406 src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 83
store dram=0x740c src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 84
store dram=0x7490 src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 85
store dram=0x7496 src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 86
store dram=0x749c src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 87
store dram=0x7520 src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 88
store dram=0x7526 src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 89
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 90
load dram=0x6ed8 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 91
load dram=0x6ec4 dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 92
load dram=0x6ed8 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 93
load dram=0x6eec dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 94
load dram=0x6ed8 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 95
load dram=0x6eec dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 96
load dram=0x6f00 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 97
load dram=0x6eec dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 98
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 99
store dram=0x752c src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 100
store dram=0x75b0 src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 101
store dram=0x75b6 src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 102
store dram=0x75bc src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 103
store dram=0x7640 src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 104
store dram=0x7646 src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 105
store dram=0x764c src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 106
store dram=0x76d0 src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 107
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 108
load dram=0x6f00 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 109
load dram=0x6f14 dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 110
load dram=0x6f00 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 111
load dram=0x6f14 dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 112
load dram=0x6f28 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 113
load dram=0x6f14 dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 114
load dram=0x6f28 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 115
load dram=0x6f3c dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 116
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 117
store dram=0x76d6 src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 118
store dram=0x76dc src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 119
store dram=0x7760 src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 120
store dram=0x7766 src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 121
store dram=0x776c src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 122
store dram=0x77f0 src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 123
store dram=0x77f6 src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 124
store dram=0x77fc src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 125
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 126
load dram=0x6f80 dst=sp:0 rows=128 cols=9 stride=18 transpose=0 +pop_next                            ; 127
load dram=0x3d00 dst=sp:128 rows=9 cols=8 stride=16 transpose=0 +push_next                           ; 128
preload src=128 rows=9 cols=8 +pop_prev                                                              ; 129
matmul x=0 y=0 out=0 t=128 rows=9 cols=8 accumulate=0 +push_next                                     ; 130
store dram=0x3dc0 src=acc:0 rows=128 cols=8 stride=32 transpose=0 +pop_prev +push_prev               ; 131
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 132
load dram=0x340 dst=acc:0 rows=1 cols=8 stride=32 transpose=0 +pop_next                              ; 133
load dram=0x3dc0 dst=acc:1 rows=128 cols=8 stride=32 transpose=0 +push_next                          ; 134
vec op=ADD dst=acc:257 src1=acc:1 src2=acc:0 rows=128 cols=8 bcast1=0 bcast2=1 imm=0.0 +pop_prev     ; 135
vec op=RELU dst=acc:513 src1=acc:257 src2=acc:257 rows=128 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next ; 136
store dram=0x5dc0 src=acc:513 rows=128 cols=8 stride=32 transpose=0 +pop_prev +push_prev             ; 137
.tag maxpool2d3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 138
load dram=0x5dc0 dst=acc:0 rows=4 cols=8 stride=64 transpose=0 +pop_next                             ; 139
load dram=0x5fc0 dst=acc:4 rows=4 cols=8 stride=64 transpose=0                                       ; 140
load dram=0x61c0 dst=acc:8 rows=4 cols=8 stride=64 transpose=0                                       ; 141
load dram=0x63c0 dst=acc:12 rows=4 cols=8 stride=64 transpose=0                                      ; 142
load dram=0x65c0 dst=acc:16 rows=4 cols=8 stride=64 transpose=0                                      ; 143
load dram=0x67c0 dst=acc:20 rows=4 cols=8 stride=64 transpose=0                                      ; 144
load dram=0x69c0 dst=acc:24 rows=4 cols=8 stride=64 transpose=0                                      ; 145
load dram=0x6bc0 dst=acc:28 rows=4 cols=8 stride=64 transpose=0                                      ; 146
load dram=0x5de0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0                                      ; 147
load dram=0x5fe0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 148
load dram=0x61e0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 149
load dram=0x63e0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 150
load dram=0x65e0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 151
load dram=0x67e0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 152
load dram=0x69e0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 153
load dram=0x6be0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 154
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 155
load dram=0x5ec0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 156
load dram=0x60c0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 157
load dram=0x62c0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 158
load dram=0x64c0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 159
load dram=0x66c0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 160
load dram=0x68c0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 161
load dram=0x6ac0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 162
load dram=0x6cc0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 163
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 164
load dram=0x5ee0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 165
load dram=0x60e0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 166
load dram=0x62e0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 167
load dram=0x64e0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 168
load dram=0x66e0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 169
load dram=0x68e0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 170
load dram=0x6ae0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 171
load dram=0x6ce0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 172
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 173
store dram=0x3c00 src=acc:0 rows=4 cols=8 stride=32 transpose=0 +pop_prev                            ; 174
store dram=0x3c80 src=acc:4 rows=4 cols=8 stride=32 transpose=0                                      ; 175
store dram=0x3d00 src=acc:8 rows=4 cols=8 stride=32 transpose=0                                      ; 176
store dram=0x3d80 src=acc:12 rows=4 cols=8 stride=32 transpose=0                                     ; 177
store dram=0x3e00 src=acc:16 rows=4 cols=8 stride=32 transpose=0                                     ; 178
store dram=0x3e80 src=acc:20 rows=4 cols=8 stride=32 transpose=0                                     ; 179
store dram=0x3f00 src=acc:24 rows=4 cols=8 stride=32 transpose=0                                     ; 180
store dram=0x3f80 src=acc:28 rows=4 cols=8 stride=32 transpose=0 +push_prev                          ; 181
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 182
load dram=0x3c00 dst=acc:0 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 183
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=16 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 184
store dram=0x4000 src=sp:0 rows=16 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 185
.tag conv4.w forward
load dram=0x380 dst=acc:0 rows=72 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 186
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=72 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 187
store dram=0x4200 src=sp:0 rows=72 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 188
.tag conv4 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=36 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 189
store dram=0x6dc0 src=sp:0 rows=36 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 190
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 191
load dram=0x4000 dst=sp:36 rows=4 cols=16 stride=64 transpose=0 +pop_next                            ; 192
load dram=0x4020 dst=sp:290 rows=4 cols=16 stride=64 transpose=0                                     ; 193
load dram=0x4100 dst=sp:544 rows=4 cols=16 stride=64 transpose=0                                     ; 194
load dram=0x4120 dst=sp:798 rows=4 cols=16 stride=64 transpose=0 +push_next                          ; 195
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 196
store dram=0x6e30 src=sp:36 rows=4 cols=16 stride=96 transpose=0 +pop_prev                           ; 197
store dram=0x6e50 src=sp:290 rows=4 cols=16 stride=96 transpose=0                                    ; 198
store dram=0x7070 src=sp:544 rows=4 cols=16 stride=96 transpose=0                                    ; 199
store dram=0x7090 src=sp:798 rows=4 cols=16 stride=96 transpose=0 +push_prev                         ; 200
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 201
load dram=0x6dc0 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 202
load dram=0x6de0 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 203
load dram=0x6e20 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 204
load dram=0x6e40 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 205
load dram=0x6e80 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 206
load dram=0x6ea0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 207
load dram=0x6e20 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 208
load dram=0x6e40 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 209
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 210
store dram=0x7240 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 211
store dram=0x7260 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 212
store dram=0x7270 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 213
store dram=0x7290 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 214
store dram=0x72a0 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 215
store dram=0x72c0 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 216
store dram=0x7480 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 217
store dram=0x74a0 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 218
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 219
load dram=0x6e80 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 220
load dram=0x6ea0 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 221
load dram=0x6ee0 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 222
load dram=0x6f00 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 223
load dram=0x6e80 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 224
load dram=0x6ea0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 225
load dram=0x6ee0 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 226
load dram=0x6f00 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 227
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 228
store dram=0x74b0 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 229
store dram=0x74d0 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 230
store dram=0x74e0 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 231
store dram=0x7500 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 232
store dram=0x76c0 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 233
store dram=0x76e0 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 234
store dram=0x76f0 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 235
store dram=0x7710 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 236
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 237
load dram=0x6f40 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 238
load dram=0x6f60 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 239
load dram=0x6ee0 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 240
load dram=0x6f00 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 241
load dram=0x6f40 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 242
load dram=0x6f60 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 243
load dram=0x6fa0 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 244
load dram=0x6fc0 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 245
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 246
store dram=0x7720 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 247
store dram=0x7740 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 248
store dram=0x7900 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 249
store dram=0x7920 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 250
store dram=0x7930 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 251
store dram=0x7950 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 252
store dram=0x7960 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 253
store dram=0x7980 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 254
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 255
load dram=0x7000 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 256
load dram=0x7020 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 257
load dram=0x7060 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 258
load dram=0x7080 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 259
load dram=0x70c0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 260
load dram=0x70e0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 261
load dram=0x7060 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 262
load dram=0x7080 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 263
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 264
store dram=0x7b40 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 265
store dram=0x7b60 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 266
store dram=0x7b70 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 267
store dram=0x7b90 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 268
store dram=0x7ba0 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 269
store dram=0x7bc0 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 270
store dram=0x7d80 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 271
store dram=0x7da0 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 272
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 273
load dram=0x70c0 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 274
load dram=0x70e0 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 275
load dram=0x7120 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 276
load dram=0x7140 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 277
load dram=0x70c0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 278
load dram=0x70e0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 279
load dram=0x7120 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 280
load dram=0x7140 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 281
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 282
store dram=0x7db0 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 283
store dram=0x7dd0 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 284
store dram=0x7de0 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 285
store dram=0x7e00 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 286
store dram=0x7fc0 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 287
store dram=0x7fe0 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 288
store dram=0x7ff0 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 289
store dram=0x8010 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 290
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 291
load dram=0x7180 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 292
load dram=0x71a0 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 293
load dram=0x7120 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 294
load dram=0x7140 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 295
load dram=0x7180 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 296
load dram=0x71a0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 297
load dram=0x71e0 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 298
load dram=0x7200 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 299
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 300
store dram=0x8020 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 301
store dram=0x8040 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 302
store dram=0x8200 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 303
store dram=0x8220 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 304
store dram=0x8230 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 305
store dram=0x8250 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 306
store dram=0x8260 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 307
store dram=0x8280 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 308
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 309
load dram=0x7240 dst=sp:0 rows=32 cols=16 stride=144 transpose=0 +pop_next                           ; 310
load dram=0x7260 dst=sp:32 rows=32 cols=16 stride=144 transpose=0                                    ; 311
load dram=0x7280 dst=sp:64 rows=32 cols=16 stride=144 transpose=0                                    ; 312
load dram=0x72a0 dst=sp:96 rows=32 cols=16 stride=144 transpose=0                                    ; 313
load dram=0x72c0 dst=sp:128 rows=32 cols=8 stride=144 transpose=0                                    ; 314
load dram=0x4200 dst=sp:160 rows=16 cols=16 stride=32 transpose=0 +push_next                         ; 315
preload src=160 rows=16 cols=16 +pop_prev +push_prev                                                 ; 316
matmul x=0 y=0 out=0 t=32 rows=16 cols=16 accumulate=0                                               ; 317
load dram=0x4400 dst=sp:176 rows=16 cols=16 stride=32 transpose=0 +push_next                         ; 318
preload src=176 rows=16 cols=16 +pop_prev                                                            ; 319
matmul x=32 y=0 out=0 t=32 rows=16 cols=16 accumulate=1 +push_prev                                   ; 320
load dram=0x4600 dst=sp:160 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 321
preload src=160 rows=16 cols=16 +pop_prev                                                            ; 322
matmul x=64 y=0 out=0 t=32 rows=16 cols=16 accumulate=1 +push_prev                                   ; 323
load dram=0x4800 dst=sp:176 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 324
preload src=176 rows=16 cols=16 +pop_prev                                                            ; 325
matmul x=96 y=0 out=0 t=32 rows=16 cols=16 accumulate=1                                              ; 326
load dram=0x4a00 dst=sp:160 rows=8 cols=16 stride=32 transpose=0 +pop_next +push_next                ; 327
preload src=160 rows=8 cols=16 +pop_prev                                                             ; 328
matmul x=128 y=0 out=0 t=32 rows=8 cols=16 accumulate=1 +push_next                                   ; 329
store dram=0x4b00 src=acc:0 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 330
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 331
load dram=0x1580 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 332
load dram=0x4b00 dst=acc:1 rows=32 cols=16 stride=64 transpose=0 +push_next                          ; 333
vec op=ADD dst=acc:65 src1=acc:1 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev      ; 334
vec op=RELU dst=acc:129 src1=acc:65 src2=acc:65 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next ; 335
store dram=0x5300 src=acc:129 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev             ; 336
.tag maxpool2d6 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 337
load dram=0x5300 dst=acc:0 rows=2 cols=16 stride=128 transpose=0 +pop_next                           ; 338
load dram=0x5500 dst=acc:2 rows=2 cols=16 stride=128 transpose=0                                     ; 339
load dram=0x5700 dst=acc:4 rows=2 cols=16 stride=128 transpose=0                                     ; 340
load dram=0x5900 dst=acc:6 rows=2 cols=16 stride=128 transpose=0                                     ; 341
load dram=0x5340 dst=acc:16 rows=2 cols=16 stride=128 transpose=0                                    ; 342
load dram=0x5540 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 343
load dram=0x5740 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 344
load dram=0x5940 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 345
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 346
load dram=0x5400 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 347
load dram=0x5600 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 348
load dram=0x5800 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 349
load dram=0x5a00 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 350
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 351
load dram=0x5440 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 352
load dram=0x5640 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 353
load dram=0x5840 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 354
load dram=0x5a40 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 355
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 356
store dram=0x3c00 src=acc:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev                           ; 357
store dram=0x3c80 src=acc:2 rows=2 cols=16 stride=64 transpose=0                                     ; 358
store dram=0x3d00 src=acc:4 rows=2 cols=16 stride=64 transpose=0                                     ; 359
store dram=0x3d80 src=acc:6 rows=2 cols=16 stride=64 transpose=0 +push_prev                          ; 360
.tag reshape7 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 361
load dram=0x3c00 dst=acc:0 rows=8 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 362
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 363
store dram=0x3e00 src=sp:0 rows=8 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 364
.tag dense8.w forward
load dram=0x15c0 dst=acc:0 rows=128 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 365
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=128 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 366
store dram=0x3f00 src=sp:0 rows=128 cols=16 stride=32 transpose=0 +pop_prev +push_prev               ; 367
.tag dense8 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 368
load dram=0x3e00 dst=sp:0 rows=2 cols=16 stride=128 transpose=0 +pop_next                            ; 369
load dram=0x3e20 dst=sp:2 rows=2 cols=16 stride=128 transpose=0                                      ; 370
load dram=0x3e40 dst=sp:4 rows=2 cols=16 stride=128 transpose=0                                      ; 371
load dram=0x3e60 dst=sp:6 rows=2 cols=16 stride=128 transpose=0                                      ; 372
load dram=0x3f00 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +push_next                           ; 373
preload src=8 rows=16 cols=16 +pop_prev +push_prev                                                   ; 374
matmul x=0 y=0 out=0 t=2 rows=16 cols=16 accumulate=0                                                ; 375
load dram=0x3f20 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +push_next                          ; 376
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 377
matmul x=0 y=0 out=2 t=2 rows=16 cols=16 accumulate=0 +push_prev                                     ; 378
load dram=0x4300 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 379
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 380
matmul x=2 y=0 out=0 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 381
load dram=0x4320 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 382
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 383
matmul x=2 y=0 out=2 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 384
load dram=0x4700 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 385
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 386
matmul x=4 y=0 out=0 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 387
load dram=0x4720 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 388
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 389
matmul x=4 y=0 out=2 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 390
load dram=0x4b00 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 391
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 392
matmul x=6 y=0 out=0 t=2 rows=16 cols=16 accumulate=1 +push_next                                     ; 393
load dram=0x4b20 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 394
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 395
matmul x=6 y=0 out=2 t=2 rows=16 cols=16 accumulate=1 +push_next                                     ; 396
store dram=0x3c00 src=acc:0 rows=2 cols=16 stride=128 transpose=0 +pop_prev                          ; 397
store dram=0x3c40 src=acc:2 rows=2 cols=16 stride=128 transpose=0 +pop_prev +push_prev               ; 398
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 399
load dram=0x35c0 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 400
load dram=0x3c00 dst=acc:1 rows=2 cols=16 stride=128 transpose=0 +push_next                          ; 401
vec op=ADD dst=acc:5 src1=acc:1 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_prev ; 402
vec op=RELU dst=acc:9 src1=acc:5 src2=acc:5 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 403
vec op=COPY dst=sp:0 src1=acc:9 src2=acc:9 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 404
store dram=0x3f00 src=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev                            ; 405
load dram=0x3600 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 406
load dram=0x3c40 dst=acc:3 rows=2 cols=16 stride=128 transpose=0 +push_next                          ; 407
vec op=ADD dst=acc:7 src1=acc:3 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev        ; 408
vec op=RELU dst=acc:11 src1=acc:7 src2=acc:7 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                ; 409
vec op=COPY dst=sp:2 src1=acc:11 src2=acc:11 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_prev +push_next ; 410
store dram=0x3f20 src=sp:2 rows=2 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 411
.tag dense10.w forward
load dram=0x3640 dst=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 412
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 413
store dram=0x3c00 src=sp:0 rows=20 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 414
.tag dense10 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 415
load dram=0x3f00 dst=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_next                             ; 416
load dram=0x3f20 dst=sp:2 rows=2 cols=16 stride=64 transpose=0                                       ; 417
load dram=0x3c00 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +push_next                           ; 418
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 419
matmul x=0 y=0 out=0 t=2 rows=16 cols=10 accumulate=0                                                ; 420
load dram=0x3d40 dst=sp:20 rows=16 cols=10 stride=20 transpose=0 +push_next                          ; 421
preload src=20 rows=16 cols=10 +pop_prev                                                             ; 422
matmul x=2 y=0 out=0 t=2 rows=16 cols=10 accumulate=1 +push_next                                     ; 423
store dram=0x3e80 src=acc:0 rows=2 cols=10 stride=40 transpose=0 +pop_prev +push_prev                ; 424
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 425
load dram=0x3b40 dst=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_next                            ; 426
load dram=0x3e80 dst=acc:1 rows=2 cols=10 stride=40 transpose=0 +push_next                           ; 427
vec op=ADD dst=acc:5 src1=acc:1 src2=acc:0 rows=2 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 428
store dram=0x3b80 src=acc:5 rows=2 cols=10 stride=40 transpose=0 +pop_prev                           ; 429
halt                                                                                                 ; 430

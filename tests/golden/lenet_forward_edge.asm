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
.tensor __temp addr=0x6dc0 shape=6848 dtype=int8 kind=scratch
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
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=13 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 9
store dram=0x6dc0 src=sp:0 rows=13 cols=16 stride=32 transpose=0 +pop_prev                           ; 10
store dram=0x6f60 src=sp:0 rows=1 cols=15 stride=30 transpose=0 +push_prev                           ; 11
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 12
load dram=0x3c00 dst=sp:13 rows=8 cols=8 stride=16 transpose=0 +pop_next                             ; 13
load dram=0x3c80 dst=sp:268 rows=8 cols=8 stride=16 transpose=0 +push_next                           ; 14
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 15
store dram=0x6dd6 src=sp:13 rows=8 cols=8 stride=20 transpose=0 +pop_prev                            ; 16
store dram=0x6e9e src=sp:268 rows=8 cols=8 stride=20 transpose=0 +push_prev                          ; 17
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 18
load dram=0x6dc0 dst=sp:0 rows=200 cols=3 stride=2 transpose=0 +pop_next                             ; 19
load dram=0x6dd4 dst=sp:200 rows=200 cols=3 stride=2 transpose=0                                     ; 20
load dram=0x6de8 dst=sp:400 rows=200 cols=3 stride=2 transpose=0                                     ; 21
load dram=0x3d00 dst=sp:600 rows=3 cols=8 stride=16 transpose=0 +push_next                           ; 22
preload src=600 rows=3 cols=8 +pop_prev +push_prev                                                   ; 23
matmul x=0 y=0 out=0 t=200 rows=3 cols=8 accumulate=0                                                ; 24
load dram=0x3d30 dst=sp:616 rows=3 cols=8 stride=16 transpose=0 +push_next                           ; 25
preload src=616 rows=3 cols=8 +pop_prev                                                              ; 26
matmul x=200 y=0 out=0 t=200 rows=3 cols=8 accumulate=1                                              ; 27
load dram=0x3d60 dst=sp:600 rows=3 cols=8 stride=16 transpose=0 +pop_next +push_next                 ; 28
preload src=600 rows=3 cols=8 +pop_prev                                                              ; 29
matmul x=400 y=0 out=0 t=200 rows=3 cols=8 accumulate=1 +push_next                                   ; 30
store dram=0x6f80 src=acc:0 rows=200 cols=8 stride=32 transpose=0 +pop_prev +push_prev               ; 31
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 32
load dram=0x6f80 dst=acc:0 rows=8 cols=16 stride=320 transpose=0 +pop_next                           ; 33
load dram=0x6fc0 dst=acc:31 rows=8 cols=16 stride=320 transpose=0                                    ; 34
load dram=0x7000 dst=acc:62 rows=8 cols=16 stride=320 transpose=0                                    ; 35
load dram=0x7040 dst=acc:93 rows=8 cols=16 stride=320 transpose=0                                    ; 36
load dram=0x7c00 dst=acc:124 rows=8 cols=16 stride=320 transpose=0                                   ; 37
load dram=0x7c40 dst=acc:155 rows=8 cols=16 stride=320 transpose=0                                   ; 38
load dram=0x7c80 dst=acc:186 rows=8 cols=16 stride=320 transpose=0                                   ; 39
load dram=0x7cc0 dst=acc:217 rows=8 cols=16 stride=320 transpose=0 +push_next                        ; 40
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 41
store dram=0x3dc0 src=acc:0 rows=8 cols=16 stride=256 transpose=0 +pop_prev                          ; 42
store dram=0x3e00 src=acc:31 rows=8 cols=16 stride=256 transpose=0                                   ; 43
store dram=0x3e40 src=acc:62 rows=8 cols=16 stride=256 transpose=0                                   ; 44
store dram=0x3e80 src=acc:93 rows=8 cols=16 stride=256 transpose=0                                   ; 45
store dram=0x45c0 src=acc:124 rows=8 cols=16 stride=256 transpose=0                                  ; 46
store dram=0x4600 src=acc:155 rows=8 cols=16 stride=256 transpose=0                                  ; 47
store dram=0x4640 src=acc:186 rows=8 cols=16 stride=256 transpose=0                                  ; 48
store dram=0x4680 src=acc:217 rows=8 cols=16 stride=256 transpose=0 +push_prev                       ; 49
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 50
load dram=0x340 dst=acc:0 rows=1 cols=8 stride=32 transpose=0 +pop_next                              ; 51
load dram=0x3dc0 dst=acc:1 rows=128 cols=8 stride=32 transpose=0 +push_next                          ; 52
vec op=ADD dst=acc:257 src1=acc:1 src2=acc:0 rows=128 cols=8 bcast1=0 bcast2=1 imm=0.0 +pop_prev     ; 53
vec op=RELU dst=acc:513 src1=acc:257 src2=acc:257 rows=128 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next ; 54
store dram=0x5dc0 src=acc:513 rows=128 cols=8 stride=32 transpose=0 +pop_prev +push_prev             ; 55
.tag maxpool2d3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 56
load dram=0x5dc0 dst=acc:0 rows=4 cols=8 stride=64 transpose=0 +pop_next                             ; 57
load dram=0x5fc0 dst=acc:4 rows=4 cols=8 stride=64 transpose=0                                       ; 58
load dram=0x61c0 dst=acc:8 rows=4 cols=8 stride=64 transpose=0                                       ; 59
load dram=0x63c0 dst=acc:12 rows=4 cols=8 stride=64 transpose=0                                      ; 60
load dram=0x65c0 dst=acc:16 rows=4 cols=8 stride=64 transpose=0                                      ; 61
load dram=0x67c0 dst=acc:20 rows=4 cols=8 stride=64 transpose=0                                      ; 62
load dram=0x69c0 dst=acc:24 rows=4 cols=8 stride=64 transpose=0                                      ; 63
load dram=0x6bc0 dst=acc:28 rows=4 cols=8 stride=64 transpose=0                                      ; 64
load dram=0x5de0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0                                      ; 65
load dram=0x5fe0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 66
load dram=0x61e0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 67
load dram=0x63e0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 68
load dram=0x65e0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 69
load dram=0x67e0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 70
load dram=0x69e0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 71
load dram=0x6be0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 72
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 73
load dram=0x5ec0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 74
load dram=0x60c0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 75
load dram=0x62c0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 76
load dram=0x64c0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 77
load dram=0x66c0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 78
load dram=0x68c0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 79
load dram=0x6ac0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 80
load dram=0x6cc0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 81
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 82
load dram=0x5ee0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 83
load dram=0x60e0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 84
load dram=0x62e0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 85
load dram=0x64e0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 86
load dram=0x66e0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 87
load dram=0x68e0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 88
load dram=0x6ae0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 89
load dram=0x6ce0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 90
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 91
store dram=0x3c00 src=acc:0 rows=4 cols=8 stride=32 transpose=0 +pop_prev                            ; 92
store dram=0x3c80 src=acc:4 rows=4 cols=8 stride=32 transpose=0                                      ; 93
store dram=0x3d00 src=acc:8 rows=4 cols=8 stride=32 transpose=0                                      ; 94
store dram=0x3d80 src=acc:12 rows=4 cols=8 stride=32 transpose=0                                     ; 95
store dram=0x3e00 src=acc:16 rows=4 cols=8 stride=32 transpose=0                                     ; 96
store dram=0x3e80 src=acc:20 rows=4 cols=8 stride=32 transpose=0                                     ; 97
store dram=0x3f00 src=acc:24 rows=4 cols=8 stride=32 transpose=0                                     ; 98
store dram=0x3f80 src=acc:28 rows=4 cols=8 stride=32 transpose=0 +push_prev                          ; 99
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 100
load dram=0x3c00 dst=acc:0 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 101
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=16 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 102
store dram=0x4000 src=sp:0 rows=16 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 103
.tag conv4.w forward
load dram=0x380 dst=acc:0 rows=72 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 104
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=72 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 105
store dram=0x4200 src=sp:0 rows=72 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 106
.tag conv4 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=43 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 107
store dram=0x6dc0 src=sp:0 rows=43 cols=16 stride=32 transpose=0 +pop_prev                           ; 108
store dram=0x7320 src=sp:0 rows=1 cols=8 stride=16 transpose=0 +push_prev                            ; 109
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 110
load dram=0x4000 dst=sp:43 rows=4 cols=16 stride=64 transpose=0 +pop_next                            ; 111
load dram=0x4020 dst=sp:297 rows=4 cols=16 stride=64 transpose=0                                     ; 112
load dram=0x4100 dst=sp:551 rows=4 cols=16 stride=64 transpose=0                                     ; 113
load dram=0x4120 dst=sp:805 rows=4 cols=16 stride=64 transpose=0 +push_next                          ; 114
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 115
store dram=0x6e30 src=sp:43 rows=4 cols=16 stride=96 transpose=0 +pop_prev                           ; 116
store dram=0x6e50 src=sp:297 rows=4 cols=16 stride=96 transpose=0                                    ; 117
store dram=0x7070 src=sp:551 rows=4 cols=16 stride=96 transpose=0                                    ; 118
store dram=0x7090 src=sp:805 rows=4 cols=16 stride=96 transpose=0 +push_prev                         ; 119
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 120
load dram=0x6dc0 dst=sp:0 rows=72 cols=16 stride=16 transpose=0 +pop_next                            ; 121
load dram=0x6de0 dst=sp:72 rows=72 cols=8 stride=16 transpose=0                                      ; 122
load dram=0x6e20 dst=sp:144 rows=72 cols=16 stride=16 transpose=0                                    ; 123
load dram=0x6e40 dst=sp:216 rows=72 cols=8 stride=16 transpose=0                                     ; 124
load dram=0x6e80 dst=sp:288 rows=72 cols=16 stride=16 transpose=0                                    ; 125
load dram=0x6ea0 dst=sp:360 rows=72 cols=8 stride=16 transpose=0                                     ; 126
load dram=0x4200 dst=sp:432 rows=16 cols=16 stride=32 transpose=0 +push_next                         ; 127
preload src=432 rows=16 cols=16 +pop_prev +push_prev                                                 ; 128
matmul x=0 y=0 out=0 t=72 rows=16 cols=16 accumulate=0                                               ; 129
load dram=0x4400 dst=sp:448 rows=8 cols=16 stride=32 transpose=0 +push_next                          ; 130
preload src=448 rows=8 cols=16 +pop_prev                                                             ; 131
matmul x=72 y=0 out=0 t=72 rows=8 cols=16 accumulate=1 +push_prev                                    ; 132
load dram=0x4500 dst=sp:432 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 133
preload src=432 rows=16 cols=16 +pop_prev                                                            ; 134
matmul x=144 y=0 out=0 t=72 rows=16 cols=16 accumulate=1 +push_prev                                  ; 135
load dram=0x4700 dst=sp:448 rows=8 cols=16 stride=32 transpose=0 +pop_next +push_next                ; 136
preload src=448 rows=8 cols=16 +pop_prev                                                             ; 137
matmul x=216 y=0 out=0 t=72 rows=8 cols=16 accumulate=1 +push_prev                                   ; 138
load dram=0x4800 dst=sp:432 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 139
preload src=432 rows=16 cols=16 +pop_prev                                                            ; 140
matmul x=288 y=0 out=0 t=72 rows=16 cols=16 accumulate=1                                             ; 141
load dram=0x4a00 dst=sp:448 rows=8 cols=16 stride=32 transpose=0 +pop_next +push_next                ; 142
preload src=448 rows=8 cols=16 +pop_prev                                                             ; 143
matmul x=360 y=0 out=0 t=72 rows=8 cols=16 accumulate=1 +push_next                                   ; 144
store dram=0x7340 src=acc:0 rows=72 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 145
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 146
load dram=0x7340 dst=acc:0 rows=4 cols=16 stride=384 transpose=0 +pop_next                           ; 147
load dram=0x7380 dst=acc:31 rows=4 cols=16 stride=384 transpose=0                                    ; 148
load dram=0x73c0 dst=acc:62 rows=4 cols=16 stride=384 transpose=0                                    ; 149
load dram=0x7400 dst=acc:93 rows=4 cols=16 stride=384 transpose=0                                    ; 150
load dram=0x7c40 dst=acc:124 rows=4 cols=16 stride=384 transpose=0                                   ; 151
load dram=0x7c80 dst=acc:155 rows=4 cols=16 stride=384 transpose=0                                   ; 152
load dram=0x7cc0 dst=acc:186 rows=4 cols=16 stride=384 transpose=0                                   ; 153
load dram=0x7d00 dst=acc:217 rows=4 cols=16 stride=384 transpose=0 +push_next                        ; 154
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 155
store dram=0x4b00 src=acc:0 rows=4 cols=16 stride=256 transpose=0 +pop_prev                          ; 156
store dram=0x4b40 src=acc:31 rows=4 cols=16 stride=256 transpose=0                                   ; 157
store dram=0x4b80 src=acc:62 rows=4 cols=16 stride=256 transpose=0                                   ; 158
store dram=0x4bc0 src=acc:93 rows=4 cols=16 stride=256 transpose=0                                   ; 159
store dram=0x4f00 src=acc:124 rows=4 cols=16 stride=256 transpose=0                                  ; 160
store dram=0x4f40 src=acc:155 rows=4 cols=16 stride=256 transpose=0                                  ; 161
store dram=0x4f80 src=acc:186 rows=4 cols=16 stride=256 transpose=0                                  ; 162
store dram=0x4fc0 src=acc:217 rows=4 cols=16 stride=256 transpose=0 +push_prev                       ; 163
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 164
load dram=0x1580 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 165
load dram=0x4b00 dst=acc:1 rows=32 cols=16 stride=64 transpose=0 +push_next                          ; 166
vec op=ADD dst=acc:65 src1=acc:1 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev      ; 167
vec op=RELU dst=acc:129 src1=acc:65 src2=acc:65 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next ; 168
store dram=0x5300 src=acc:129 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev             ; 169
.tag maxpool2d6 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 170
load dram=0x5300 dst=acc:0 rows=2 cols=16 stride=128 transpose=0 +pop_next                           ; 171
load dram=0x5500 dst=acc:2 rows=2 cols=16 stride=128 transpose=0                                     ; 172
load dram=0x5700 dst=acc:4 rows=2 cols=16 stride=128 transpose=0                                     ; 173
load dram=0x5900 dst=acc:6 rows=2 cols=16 stride=128 transpose=0                                     ; 174
load dram=0x5340 dst=acc:16 rows=2 cols=16 stride=128 transpose=0                                    ; 175
load dram=0x5540 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 176
load dram=0x5740 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 177
load dram=0x5940 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 178
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 179
load dram=0x5400 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 180
load dram=0x5600 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 181
load dram=0x5800 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 182
load dram=0x5a00 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 183
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 184
load dram=0x5440 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 185
load dram=0x5640 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 186
load dram=0x5840 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 187
load dram=0x5a40 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 188
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 189
store dram=0x3c00 src=acc:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev                           ; 190
store dram=0x3c80 src=acc:2 rows=2 cols=16 stride=64 transpose=0                                     ; 191
store dram=0x3d00 src=acc:4 rows=2 cols=16 stride=64 transpose=0                                     ; 192
store dram=0x3d80 src=acc:6 rows=2 cols=16 stride=64 transpose=0 +push_prev                          ; 193
.tag reshape7 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 194
load dram=0x3c00 dst=acc:0 rows=8 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 195
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 196
store dram=0x3e00 src=sp:0 rows=8 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 197
.tag dense8.w forward
load dram=0x15c0 dst=acc:0 rows=128 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 198
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=128 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 199
store dram=0x3f00 src=sp:0 rows=128 cols=16 stride=32 transpose=0 +pop_prev +push_prev               ; 200
.tag dense8 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 201
load dram=0x3e00 dst=sp:2 rows=2 cols=16 stride=128 transpose=0 +pop_next                            ; 202
load dram=0x3e20 dst=sp:4 rows=2 cols=16 stride=128 transpose=0                                      ; 203
load dram=0x3e40 dst=sp:6 rows=2 cols=16 stride=128 transpose=0                                      ; 204
load dram=0x3e60 dst=sp:8 rows=2 cols=16 stride=128 transpose=0                                      ; 205
load dram=0x3f00 dst=sp:10 rows=16 cols=16 stride=64 transpose=0 +push_next                          ; 206
preload src=10 rows=16 cols=16 +pop_prev +push_prev                                                  ; 207
matmul x=2 y=0 out=5 t=2 rows=16 cols=16 accumulate=0                                                ; 208
load dram=0x4300 dst=sp:26 rows=16 cols=16 stride=64 transpose=0 +push_next                          ; 209
preload src=26 rows=16 cols=16 +pop_prev                                                             ; 210
matmul x=4 y=0 out=5 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 211
load dram=0x4700 dst=sp:10 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 212
preload src=10 rows=16 cols=16 +pop_prev                                                             ; 213
matmul x=6 y=0 out=5 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 214
load dram=0x4b00 dst=sp:26 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 215
preload src=26 rows=16 cols=16 +pop_prev                                                             ; 216
matmul x=8 y=0 out=5 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 217
load dram=0x35c0 dst=acc:4 rows=1 cols=16 stride=64 transpose=0 +push_next                           ; 218
vec op=ADD dst=acc:0 src1=acc:5 src2=acc:4 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev        ; 219
vec op=RELU dst=acc:2 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 220
vec op=COPY dst=sp:0 src1=acc:2 src2=acc:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 221
store dram=0x5000 src=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 222
load dram=0x3f20 dst=sp:10 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 223
preload src=10 rows=16 cols=16 +pop_prev +push_prev                                                  ; 224
matmul x=2 y=0 out=7 t=2 rows=16 cols=16 accumulate=0                                                ; 225
load dram=0x4320 dst=sp:26 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 226
preload src=26 rows=16 cols=16 +pop_prev                                                             ; 227
matmul x=4 y=0 out=7 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 228
load dram=0x4720 dst=sp:10 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 229
preload src=10 rows=16 cols=16 +pop_prev                                                             ; 230
matmul x=6 y=0 out=7 t=2 rows=16 cols=16 accumulate=1                                                ; 231
load dram=0x4b20 dst=sp:26 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 232
preload src=26 rows=16 cols=16 +pop_prev                                                             ; 233
matmul x=8 y=0 out=7 t=2 rows=16 cols=16 accumulate=1                                                ; 234
load dram=0x3600 dst=acc:4 rows=1 cols=16 stride=64 transpose=0 +push_next                           ; 235
vec op=ADD dst=acc:0 src1=acc:7 src2=acc:4 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev        ; 236
vec op=RELU dst=acc:2 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 237
vec op=COPY dst=sp:0 src1=acc:2 src2=acc:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev +push_next ; 238
store dram=0x5020 src=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 239
.tag dense10.w forward
load dram=0x3640 dst=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 240
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 241
store dram=0x3c00 src=sp:0 rows=20 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 242
.tag dense10 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 243
load dram=0x5000 dst=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_next                             ; 244
load dram=0x5020 dst=sp:2 rows=2 cols=16 stride=64 transpose=0                                       ; 245
load dram=0x3c00 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +push_next                           ; 246
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 247
matmul x=0 y=0 out=3 t=2 rows=16 cols=10 accumulate=0                                                ; 248
load dram=0x3d40 dst=sp:20 rows=16 cols=10 stride=20 transpose=0 +push_next                          ; 249
preload src=20 rows=16 cols=10 +pop_prev                                                             ; 250
matmul x=2 y=0 out=3 t=2 rows=16 cols=10 accumulate=1                                                ; 251
load dram=0x3b40 dst=acc:2 rows=1 cols=10 stride=40 transpose=0 +push_next                           ; 252
vec op=ADD dst=acc:0 src1=acc:3 src2=acc:2 rows=2 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 253
store dram=0x3b80 src=acc:0 rows=2 cols=10 stride=40 transpose=0 +pop_prev                           ; 254
halt                                                                                                 ; 255

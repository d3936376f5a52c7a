.chip edge
.tensor x addr=0x0 shape=2x8x8x1 dtype=fp32 kind=input role=input
.tensor conv1.w addr=0x200 shape=3x3x1x8 dtype=fp32 kind=param role=param
.tensor conv1.b addr=0x340 shape=8 dtype=fp32 kind=param role=param
.tensor conv4.w addr=0x380 shape=3x3x8x16 dtype=fp32 kind=param role=param
.tensor conv4.b addr=0x1580 shape=16 dtype=fp32 kind=param role=param
.tensor dense8.w addr=0x15c0 shape=64x32 dtype=fp32 kind=param role=param
.tensor dense8.b addr=0x35c0 shape=32 dtype=fp32 kind=param role=param
.tensor dense10.w addr=0x3640 shape=32x10 dtype=fp32 kind=param role=param
.tensor dense10.b addr=0x3b40 shape=10 dtype=fp32 kind=param role=param
.tensor logits addr=0x3b80 shape=2x10 dtype=fp32 kind=output role=output
.tensor __scratch addr=0x3c00 shape=5056 dtype=int8 kind=scratch role=scratch
.tensor __temp addr=0x4fc0 shape=1152 dtype=int8 kind=scratch role=scratch
.tag x forward
load dram=0x0 dst=acc:847 rows=8 cols=16 stride=64 transpose=0 +push_next                            ; 0
vec op=COPY dst=sp:5731 src1=acc:847 src2=acc:847 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 1
store dram=0x3c00 src=sp:5731 rows=8 cols=16 stride=32 transpose=0 +pop_prev                         ; 2
.tag conv1.w forward
load dram=0x200 dst=acc:855 rows=4 cols=16 stride=64 transpose=0 +push_next                          ; 3
vec op=COPY dst=sp:5739 src1=acc:855 src2=acc:855 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 4
store dram=0x3d00 src=sp:5739 rows=4 cols=16 stride=32 transpose=0 +pop_prev                         ; 5
load dram=0x300 dst=acc:859 rows=1 cols=8 stride=32 transpose=0 +push_next                           ; 6
vec op=COPY dst=sp:5743 src1=acc:859 src2=acc:859 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 7
store dram=0x3d80 src=sp:5743 rows=1 cols=8 stride=16 transpose=0 +pop_prev +push_prev               ; 8
.tag conv1 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=16 cols=10 bcast1=0 bcast2=0 imm=0.0                    ; 9
vec op=SET dst=sp:16 src1=sp:16 src2=sp:16 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev +push_next ; 10
load dram=0x3c00 dst=sp:0 rows=16 cols=8 stride=16 transpose=0 +pop_next +push_next                  ; 11
store dram=0x4fc0 src=sp:16 rows=1 cols=11 stride=22 transpose=0 +pop_prev                           ; 12
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 13
store dram=0x4fd6 src=sp:0 rows=8 cols=10 stride=20 transpose=0 +pop_prev                            ; 14
store dram=0x5076 src=sp:16 rows=1 cols=16 stride=32 transpose=0                                     ; 15
store dram=0x5096 src=sp:16 rows=1 cols=4 stride=8 transpose=0                                       ; 16
store dram=0x509e src=sp:8 rows=8 cols=10 stride=20 transpose=0 +push_prev                           ; 17
store dram=0x513e src=sp:16 rows=1 cols=9 stride=18 transpose=0                                      ; 18
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=12 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 19
store dram=0x5180 src=sp:0 rows=12 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 20
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 21
load dram=0x3d00 dst=sp:12 rows=3 cols=8 stride=16 transpose=0 +pop_next                             ; 22
load dram=0x3d00 dst=sp:15 rows=3 cols=8 stride=16 transpose=0                                       ; 23
load dram=0x3d30 dst=sp:18 rows=3 cols=8 stride=16 transpose=0                                       ; 24
load dram=0x3d30 dst=sp:21 rows=3 cols=8 stride=16 transpose=0                                       ; 25
load dram=0x3d60 dst=sp:24 rows=3 cols=8 stride=16 transpose=0                                       ; 26
load dram=0x3d60 dst=sp:27 rows=3 cols=8 stride=16 transpose=0 +push_next                            ; 27
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 28
store dram=0x5180 src=sp:12 rows=3 cols=8 stride=32 transpose=0 +pop_prev                            ; 29
store dram=0x51b0 src=sp:15 rows=3 cols=8 stride=32 transpose=0                                      ; 30
store dram=0x5200 src=sp:18 rows=3 cols=8 stride=32 transpose=0                                      ; 31
store dram=0x5230 src=sp:21 rows=3 cols=8 stride=32 transpose=0                                      ; 32
store dram=0x5280 src=sp:24 rows=3 cols=8 stride=32 transpose=0                                      ; 33
store dram=0x52b0 src=sp:27 rows=3 cols=8 stride=32 transpose=0 +push_prev                           ; 34
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 35
load dram=0x5180 dst=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_next +push_next                  ; 36
load dram=0x5200 dst=sp:16 rows=4 cols=16 stride=32 transpose=0                                      ; 37
load dram=0x5280 dst=sp:32 rows=4 cols=16 stride=32 transpose=0                                      ; 38
load dram=0x4fc0 dst=sp:48 rows=4 cols=4 stride=4 transpose=0                                        ; 39
load dram=0x4fd4 dst=sp:52 rows=4 cols=4 stride=4 transpose=0                                        ; 40
load dram=0x4fe8 dst=sp:56 rows=4 cols=4 stride=4 transpose=0                                        ; 41
load dram=0x4ffc dst=sp:60 rows=4 cols=4 stride=4 transpose=0                                        ; 42
load dram=0x5010 dst=sp:64 rows=4 cols=4 stride=4 transpose=0                                        ; 43
load dram=0x5024 dst=sp:68 rows=4 cols=4 stride=4 transpose=0                                        ; 44
load dram=0x5038 dst=sp:72 rows=4 cols=4 stride=4 transpose=0                                        ; 45
load dram=0x504c dst=sp:76 rows=4 cols=4 stride=4 transpose=0 +push_next                             ; 46
load dram=0x5060 dst=sp:80 rows=4 cols=4 stride=4 transpose=0 +push_next                             ; 47
load dram=0x5074 dst=sp:84 rows=4 cols=4 stride=4 transpose=0 +push_next                             ; 48
preload src=0 rows=4 cols=16 +pop_prev                                                               ; 49
matmul x=48 y=0 out=256 t=32 rows=4 cols=16 accumulate=0 +pop_prev                                   ; 50
preload src=16 rows=4 cols=16                                                                        ; 51
matmul x=52 y=0 out=256 t=32 rows=4 cols=16 accumulate=1 +pop_prev                                   ; 52
preload src=32 rows=4 cols=16                                                                        ; 53
matmul x=56 y=0 out=256 t=32 rows=4 cols=16 accumulate=1 +pop_prev                                   ; 54
load dram=0x340 dst=acc:845 rows=8 cols=1 stride=4 transpose=0                                       ; 55
load dram=0x340 dst=acc:853 rows=8 cols=1 stride=4 transpose=0                                       ; 56
move src=acc:845 dst=acc:861 rows=16 cols=1 transpose=1 +push_next                                   ; 57
vec op=ADD dst=acc:0 src1=acc:256 src2=acc:861 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev   ; 58
vec op=RELU dst=acc:863 src1=acc:0 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 59
store dram=0x3dc0 src=acc:863 rows=32 cols=16 stride=64 transpose=0 +pop_prev                        ; 60
load dram=0x5088 dst=sp:88 rows=4 cols=4 stride=4 transpose=0                                        ; 61
load dram=0x509c dst=sp:92 rows=4 cols=4 stride=4 transpose=0                                        ; 62
load dram=0x50b0 dst=sp:96 rows=4 cols=4 stride=4 transpose=0                                        ; 63
load dram=0x50c4 dst=sp:100 rows=4 cols=4 stride=4 transpose=0                                       ; 64
load dram=0x50d8 dst=sp:104 rows=4 cols=4 stride=4 transpose=0                                       ; 65
load dram=0x50ec dst=sp:108 rows=4 cols=4 stride=4 transpose=0                                       ; 66
load dram=0x5100 dst=sp:112 rows=4 cols=4 stride=4 transpose=0                                       ; 67
load dram=0x5114 dst=sp:116 rows=4 cols=4 stride=4 transpose=0 +push_next                            ; 68
load dram=0x5128 dst=sp:120 rows=4 cols=4 stride=4 transpose=0 +push_next                            ; 69
load dram=0x513c dst=sp:124 rows=4 cols=4 stride=4 transpose=0 +push_next                            ; 70
preload src=0 rows=4 cols=16                                                                         ; 71
matmul x=88 y=0 out=813 t=32 rows=4 cols=16 accumulate=0 +pop_prev                                   ; 72
preload src=16 rows=4 cols=16                                                                        ; 73
matmul x=92 y=0 out=813 t=32 rows=4 cols=16 accumulate=1 +pop_prev                                   ; 74
preload src=32 rows=4 cols=16                                                                        ; 75
matmul x=96 y=0 out=813 t=32 rows=4 cols=16 accumulate=1 +pop_prev                                   ; 76
vec op=ADD dst=acc:128 src1=acc:813 src2=acc:861 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0           ; 77
vec op=RELU dst=acc:895 src1=acc:128 src2=acc:128 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next ; 78
store dram=0x45c0 src=acc:895 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev             ; 79
.tag maxpool2d3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 80
load dram=0x3dc0 dst=acc:799 rows=4 cols=8 stride=64 transpose=0 +pop_next                           ; 81
load dram=0x3fc0 dst=acc:803 rows=4 cols=8 stride=64 transpose=0                                     ; 82
load dram=0x41c0 dst=acc:807 rows=4 cols=8 stride=64 transpose=0                                     ; 83
load dram=0x43c0 dst=acc:811 rows=4 cols=8 stride=64 transpose=0                                     ; 84
load dram=0x45c0 dst=acc:815 rows=4 cols=8 stride=64 transpose=0                                     ; 85
load dram=0x47c0 dst=acc:819 rows=4 cols=8 stride=64 transpose=0                                     ; 86
load dram=0x49c0 dst=acc:823 rows=4 cols=8 stride=64 transpose=0                                     ; 87
load dram=0x4bc0 dst=acc:827 rows=4 cols=8 stride=64 transpose=0                                     ; 88
load dram=0x3de0 dst=acc:0 rows=4 cols=8 stride=64 transpose=0                                       ; 89
load dram=0x3fe0 dst=acc:4 rows=4 cols=8 stride=64 transpose=0                                       ; 90
load dram=0x41e0 dst=acc:8 rows=4 cols=8 stride=64 transpose=0                                       ; 91
load dram=0x43e0 dst=acc:12 rows=4 cols=8 stride=64 transpose=0                                      ; 92
load dram=0x45e0 dst=acc:16 rows=4 cols=8 stride=64 transpose=0                                      ; 93
load dram=0x47e0 dst=acc:20 rows=4 cols=8 stride=64 transpose=0                                      ; 94
load dram=0x49e0 dst=acc:24 rows=4 cols=8 stride=64 transpose=0                                      ; 95
load dram=0x4be0 dst=acc:28 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 96
load dram=0x3ec0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0                                      ; 97
load dram=0x40c0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 98
load dram=0x42c0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 99
load dram=0x44c0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 100
load dram=0x46c0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 101
load dram=0x48c0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 102
load dram=0x4ac0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 103
load dram=0x4cc0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 104
load dram=0x3ee0 dst=acc:128 rows=4 cols=8 stride=64 transpose=0                                     ; 105
load dram=0x40e0 dst=acc:132 rows=4 cols=8 stride=64 transpose=0                                     ; 106
load dram=0x42e0 dst=acc:136 rows=4 cols=8 stride=64 transpose=0                                     ; 107
load dram=0x44e0 dst=acc:140 rows=4 cols=8 stride=64 transpose=0                                     ; 108
load dram=0x46e0 dst=acc:144 rows=4 cols=8 stride=64 transpose=0                                     ; 109
load dram=0x48e0 dst=acc:148 rows=4 cols=8 stride=64 transpose=0                                     ; 110
load dram=0x4ae0 dst=acc:152 rows=4 cols=8 stride=64 transpose=0                                     ; 111
load dram=0x4ce0 dst=acc:156 rows=4 cols=8 stride=64 transpose=0 +push_next                          ; 112
vec op=MAX dst=acc:799 src1=acc:799 src2=acc:0 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev    ; 113
vec op=MAX dst=acc:799 src1=acc:799 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev   ; 114
vec op=MAX dst=acc:799 src1=acc:799 src2=acc:128 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev  ; 115
vec op=COPY dst=sp:0 src1=acc:799 src2=acc:799 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 116
vec op=COPY dst=sp:5731 src1=sp:0 src2=sp:0 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 117
store dram=0x4dc0 src=sp:5731 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 118
vec op=COPY dst=sp:5735 src1=sp:4 src2=sp:4 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 119
store dram=0x4e00 src=sp:5735 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 120
vec op=COPY dst=sp:5739 src1=sp:8 src2=sp:8 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 121
store dram=0x4e40 src=sp:5739 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 122
vec op=COPY dst=sp:5743 src1=sp:12 src2=sp:12 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 123
store dram=0x4e80 src=sp:5743 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 124
vec op=COPY dst=sp:5747 src1=sp:16 src2=sp:16 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 125
store dram=0x4ec0 src=sp:5747 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 126
vec op=COPY dst=sp:5751 src1=sp:20 src2=sp:20 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 127
store dram=0x4f00 src=sp:5751 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 128
vec op=COPY dst=sp:5755 src1=sp:24 src2=sp:24 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 129
store dram=0x4f40 src=sp:5755 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 130
vec op=COPY dst=sp:5759 src1=sp:28 src2=sp:28 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 131
store dram=0x4f80 src=sp:5759 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 132
.tag conv4.w forward
load dram=0x380 dst=acc:719 rows=72 cols=16 stride=64 transpose=0 +push_next                         ; 133
vec op=COPY dst=sp:5763 src1=acc:719 src2=acc:719 rows=72 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 134
.tag conv4 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next          ; 135
store dram=0x4fc0 src=sp:0 rows=3 cols=16 stride=32 transpose=0 +pop_prev                            ; 136
store dram=0x51a0 src=sp:0 rows=3 cols=16 stride=32 transpose=0                                      ; 137
store dram=0x5020 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 138
store dram=0x5070 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 139
store dram=0x5200 src=sp:0 rows=3 cols=16 stride=32 transpose=0                                      ; 140
store dram=0x53e0 src=sp:0 rows=3 cols=16 stride=32 transpose=0                                      ; 141
store dram=0x5260 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 142
store dram=0x52b0 src=sp:0 rows=4 cols=8 stride=96 transpose=0 +push_prev                            ; 143
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 144
load dram=0x4dc0 dst=sp:4 rows=4 cols=16 stride=64 transpose=0 +pop_next                             ; 145
load dram=0x4de0 dst=sp:8 rows=4 cols=16 stride=64 transpose=0                                       ; 146
load dram=0x4ec0 dst=sp:12 rows=4 cols=16 stride=64 transpose=0                                      ; 147
load dram=0x4ee0 dst=sp:16 rows=4 cols=16 stride=64 transpose=0 +push_next                           ; 148
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 149
store dram=0x5030 src=sp:4 rows=4 cols=16 stride=96 transpose=0 +pop_prev                            ; 150
store dram=0x5050 src=sp:8 rows=4 cols=16 stride=96 transpose=0                                      ; 151
store dram=0x5270 src=sp:12 rows=4 cols=16 stride=96 transpose=0                                     ; 152
store dram=0x5290 src=sp:16 rows=4 cols=16 stride=96 transpose=0 +push_prev                          ; 153
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 154
load dram=0x4fc0 dst=sp:0 rows=4 cols=16 stride=16 transpose=0 +pop_next                             ; 155
load dram=0x5020 dst=sp:4 rows=4 cols=16 stride=16 transpose=0                                       ; 156
load dram=0x5080 dst=sp:8 rows=4 cols=16 stride=16 transpose=0                                       ; 157
load dram=0x50e0 dst=sp:12 rows=4 cols=16 stride=16 transpose=0                                      ; 158
load dram=0x5200 dst=sp:16 rows=4 cols=16 stride=16 transpose=0                                      ; 159
load dram=0x5260 dst=sp:20 rows=4 cols=16 stride=16 transpose=0                                      ; 160
load dram=0x52c0 dst=sp:24 rows=4 cols=16 stride=16 transpose=0                                      ; 161
load dram=0x5320 dst=sp:28 rows=4 cols=16 stride=16 transpose=0 +push_next                           ; 162
preload src=5763 rows=16 cols=16                                                                     ; 163
matmul x=0 y=0 out=128 t=32 rows=16 cols=16 accumulate=0 +pop_prev                                   ; 164
load dram=0x4fe0 dst=sp:32 rows=4 cols=8 stride=16 transpose=0                                       ; 165
load dram=0x5040 dst=sp:36 rows=4 cols=8 stride=16 transpose=0                                       ; 166
load dram=0x50a0 dst=sp:40 rows=4 cols=8 stride=16 transpose=0                                       ; 167
load dram=0x5100 dst=sp:44 rows=4 cols=8 stride=16 transpose=0                                       ; 168
load dram=0x5220 dst=sp:48 rows=4 cols=8 stride=16 transpose=0                                       ; 169
load dram=0x5280 dst=sp:52 rows=4 cols=8 stride=16 transpose=0                                       ; 170
load dram=0x52e0 dst=sp:56 rows=4 cols=8 stride=16 transpose=0                                       ; 171
load dram=0x5340 dst=sp:60 rows=4 cols=8 stride=16 transpose=0 +push_next                            ; 172
preload src=5779 rows=8 cols=16                                                                      ; 173
matmul x=32 y=0 out=128 t=32 rows=8 cols=16 accumulate=1 +pop_prev                                   ; 174
load dram=0x5020 dst=sp:64 rows=4 cols=16 stride=16 transpose=0                                      ; 175
load dram=0x5080 dst=sp:68 rows=4 cols=16 stride=16 transpose=0                                      ; 176
load dram=0x50e0 dst=sp:72 rows=4 cols=16 stride=16 transpose=0                                      ; 177
load dram=0x5140 dst=sp:76 rows=4 cols=16 stride=16 transpose=0                                      ; 178
load dram=0x5260 dst=sp:80 rows=4 cols=16 stride=16 transpose=0                                      ; 179
load dram=0x52c0 dst=sp:84 rows=4 cols=16 stride=16 transpose=0                                      ; 180
load dram=0x5320 dst=sp:88 rows=4 cols=16 stride=16 transpose=0                                      ; 181
load dram=0x5380 dst=sp:92 rows=4 cols=16 stride=16 transpose=0 +push_next                           ; 182
preload src=5787 rows=16 cols=16                                                                     ; 183
matmul x=64 y=0 out=128 t=32 rows=16 cols=16 accumulate=1 +pop_prev                                  ; 184
load dram=0x5040 dst=sp:96 rows=4 cols=8 stride=16 transpose=0                                       ; 185
load dram=0x50a0 dst=sp:100 rows=4 cols=8 stride=16 transpose=0                                      ; 186
load dram=0x5100 dst=sp:104 rows=4 cols=8 stride=16 transpose=0                                      ; 187
load dram=0x5160 dst=sp:108 rows=4 cols=8 stride=16 transpose=0                                      ; 188
load dram=0x5280 dst=sp:112 rows=4 cols=8 stride=16 transpose=0                                      ; 189
load dram=0x52e0 dst=sp:116 rows=4 cols=8 stride=16 transpose=0                                      ; 190
load dram=0x5340 dst=sp:120 rows=4 cols=8 stride=16 transpose=0                                      ; 191
load dram=0x53a0 dst=sp:124 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 192
preload src=5803 rows=8 cols=16                                                                      ; 193
matmul x=96 y=0 out=128 t=32 rows=8 cols=16 accumulate=1 +pop_prev                                   ; 194
load dram=0x5080 dst=sp:128 rows=4 cols=16 stride=16 transpose=0                                     ; 195
load dram=0x50e0 dst=sp:132 rows=4 cols=16 stride=16 transpose=0                                     ; 196
load dram=0x5140 dst=sp:136 rows=4 cols=16 stride=16 transpose=0                                     ; 197
load dram=0x51a0 dst=sp:140 rows=4 cols=16 stride=16 transpose=0                                     ; 198
load dram=0x52c0 dst=sp:144 rows=4 cols=16 stride=16 transpose=0                                     ; 199
load dram=0x5320 dst=sp:148 rows=4 cols=16 stride=16 transpose=0                                     ; 200
load dram=0x5380 dst=sp:152 rows=4 cols=16 stride=16 transpose=0                                     ; 201
load dram=0x53e0 dst=sp:156 rows=4 cols=16 stride=16 transpose=0 +push_next                          ; 202
preload src=5811 rows=16 cols=16                                                                     ; 203
matmul x=128 y=0 out=128 t=32 rows=16 cols=16 accumulate=1 +pop_prev                                 ; 204
load dram=0x50a0 dst=sp:160 rows=4 cols=8 stride=16 transpose=0                                      ; 205
load dram=0x5100 dst=sp:164 rows=4 cols=8 stride=16 transpose=0                                      ; 206
load dram=0x5160 dst=sp:168 rows=4 cols=8 stride=16 transpose=0                                      ; 207
load dram=0x51c0 dst=sp:172 rows=4 cols=8 stride=16 transpose=0                                      ; 208
load dram=0x52e0 dst=sp:176 rows=4 cols=8 stride=16 transpose=0                                      ; 209
load dram=0x5340 dst=sp:180 rows=4 cols=8 stride=16 transpose=0                                      ; 210
load dram=0x53a0 dst=sp:184 rows=4 cols=8 stride=16 transpose=0                                      ; 211
load dram=0x5400 dst=sp:188 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 212
preload src=5827 rows=8 cols=16                                                                      ; 213
matmul x=160 y=0 out=128 t=32 rows=8 cols=16 accumulate=1 +pop_prev                                  ; 214
load dram=0x1580 dst=acc:861 rows=1 cols=16 stride=64 transpose=0 +push_next                         ; 215
vec op=ADD dst=acc:0 src1=acc:128 src2=acc:861 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev   ; 216
vec op=RELU dst=acc:863 src1=acc:0 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 217
.tag maxpool2d6 forward
vec op=COPY dst=acc:847 src1=acc:863 src2=acc:863 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 218
vec op=COPY dst=acc:848 src1=acc:865 src2=acc:865 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 219
vec op=COPY dst=acc:849 src1=acc:871 src2=acc:871 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 220
vec op=COPY dst=acc:850 src1=acc:873 src2=acc:873 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 221
vec op=COPY dst=acc:851 src1=acc:879 src2=acc:879 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 222
vec op=COPY dst=acc:852 src1=acc:881 src2=acc:881 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 223
vec op=COPY dst=acc:853 src1=acc:887 src2=acc:887 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 224
vec op=COPY dst=acc:854 src1=acc:889 src2=acc:889 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 225
vec op=COPY dst=acc:0 src1=acc:864 src2=acc:864 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 226
vec op=COPY dst=acc:1 src1=acc:866 src2=acc:866 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 227
vec op=COPY dst=acc:2 src1=acc:872 src2=acc:872 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 228
vec op=COPY dst=acc:3 src1=acc:874 src2=acc:874 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 229
vec op=COPY dst=acc:4 src1=acc:880 src2=acc:880 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 230
vec op=COPY dst=acc:5 src1=acc:882 src2=acc:882 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 231
vec op=COPY dst=acc:6 src1=acc:888 src2=acc:888 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 232
vec op=COPY dst=acc:7 src1=acc:890 src2=acc:890 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 233
vec op=COPY dst=acc:16 src1=acc:867 src2=acc:867 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 234
vec op=COPY dst=acc:17 src1=acc:869 src2=acc:869 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 235
vec op=COPY dst=acc:18 src1=acc:875 src2=acc:875 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 236
vec op=COPY dst=acc:19 src1=acc:877 src2=acc:877 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 237
vec op=COPY dst=acc:20 src1=acc:883 src2=acc:883 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 238
vec op=COPY dst=acc:21 src1=acc:885 src2=acc:885 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 239
vec op=COPY dst=acc:22 src1=acc:891 src2=acc:891 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 240
vec op=COPY dst=acc:23 src1=acc:893 src2=acc:893 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 241
vec op=COPY dst=acc:32 src1=acc:868 src2=acc:868 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 242
vec op=COPY dst=acc:33 src1=acc:870 src2=acc:870 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 243
vec op=COPY dst=acc:34 src1=acc:876 src2=acc:876 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 244
vec op=COPY dst=acc:35 src1=acc:878 src2=acc:878 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 245
vec op=COPY dst=acc:36 src1=acc:884 src2=acc:884 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 246
vec op=COPY dst=acc:37 src1=acc:886 src2=acc:886 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 247
vec op=COPY dst=acc:38 src1=acc:892 src2=acc:892 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 248
vec op=COPY dst=acc:39 src1=acc:894 src2=acc:894 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 249
vec op=MAX dst=acc:847 src1=acc:847 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 250
vec op=MAX dst=acc:847 src1=acc:847 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 251
vec op=MAX dst=acc:847 src1=acc:847 src2=acc:32 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 252
vec op=COPY dst=sp:0 src1=acc:847 src2=acc:847 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_prev   ; 253
vec op=COPY dst=sp:5731 src1=sp:0 src2=sp:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 254
vec op=COPY dst=sp:5733 src1=sp:2 src2=sp:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 255
vec op=COPY dst=sp:5735 src1=sp:4 src2=sp:4 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 256
vec op=COPY dst=sp:5737 src1=sp:6 src2=sp:6 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 257
.tag dense8.w forward
load dram=0x15c0 dst=acc:735 rows=64 cols=16 stride=128 transpose=0 +push_next                       ; 258
vec op=COPY dst=sp:5739 src1=acc:735 src2=acc:735 rows=64 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 259
load dram=0x1600 dst=acc:799 rows=64 cols=16 stride=128 transpose=0 +pop_next +push_next             ; 260
vec op=COPY dst=sp:5803 src1=acc:799 src2=acc:799 rows=64 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 261
.tag dense8 forward
vec op=COPY dst=sp:4 src1=sp:5731 src2=sp:5731 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 262
vec op=COPY dst=sp:5 src1=sp:5735 src2=sp:5735 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 263
preload src=5739 rows=16 cols=16                                                                     ; 264
matmul x=4 y=0 out=8 t=2 rows=16 cols=16 accumulate=0                                                ; 265
preload src=5803 rows=16 cols=16                                                                     ; 266
matmul x=4 y=0 out=10 t=2 rows=16 cols=16 accumulate=0                                               ; 267
vec op=COPY dst=sp:6 src1=sp:5732 src2=sp:5732 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 268
vec op=COPY dst=sp:7 src1=sp:5736 src2=sp:5736 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 269
preload src=5755 rows=16 cols=16                                                                     ; 270
matmul x=6 y=0 out=8 t=2 rows=16 cols=16 accumulate=1                                                ; 271
preload src=5819 rows=16 cols=16                                                                     ; 272
matmul x=6 y=0 out=10 t=2 rows=16 cols=16 accumulate=1                                               ; 273
vec op=COPY dst=sp:8 src1=sp:5733 src2=sp:5733 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 274
vec op=COPY dst=sp:9 src1=sp:5737 src2=sp:5737 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 275
preload src=5771 rows=16 cols=16                                                                     ; 276
matmul x=8 y=0 out=8 t=2 rows=16 cols=16 accumulate=1                                                ; 277
preload src=5835 rows=16 cols=16                                                                     ; 278
matmul x=8 y=0 out=10 t=2 rows=16 cols=16 accumulate=1                                               ; 279
vec op=COPY dst=sp:10 src1=sp:5734 src2=sp:5734 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 280
vec op=COPY dst=sp:11 src1=sp:5738 src2=sp:5738 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 281
preload src=5787 rows=16 cols=16                                                                     ; 282
matmul x=10 y=0 out=8 t=2 rows=16 cols=16 accumulate=1                                               ; 283
preload src=5851 rows=16 cols=16                                                                     ; 284
matmul x=10 y=0 out=10 t=2 rows=16 cols=16 accumulate=1                                              ; 285
load dram=0x35c0 dst=acc:860 rows=2 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 286
vec op=ADD dst=acc:0 src1=acc:8 src2=acc:860 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev      ; 287
vec op=RELU dst=acc:2 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 288
vec op=COPY dst=sp:6144 src1=acc:2 src2=acc:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 289
vec op=ADD dst=acc:4 src1=acc:10 src2=acc:861 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +push_prev    ; 290
vec op=RELU dst=acc:6 src1=acc:4 src2=acc:4 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 291
vec op=COPY dst=sp:6146 src1=acc:6 src2=acc:6 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 292
.tag dense10.w forward
load dram=0x3640 dst=acc:799 rows=32 cols=10 stride=40 transpose=0 +push_next                        ; 293
vec op=COPY dst=sp:5731 src1=acc:799 src2=acc:799 rows=32 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 294
.tag dense10 forward
preload src=5731 rows=16 cols=10                                                                     ; 295
matmul x=6144 y=0 out=4 t=2 rows=16 cols=10 accumulate=0                                             ; 296
preload src=5747 rows=16 cols=10                                                                     ; 297
matmul x=6146 y=0 out=4 t=2 rows=16 cols=10 accumulate=1                                             ; 298
load dram=0x3b40 dst=acc:861 rows=1 cols=10 stride=40 transpose=0 +pop_next +push_next               ; 299
vec op=ADD dst=acc:0 src1=acc:4 src2=acc:861 rows=2 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 300
store dram=0x3b80 src=acc:0 rows=2 cols=10 stride=40 transpose=0 +pop_prev                           ; 301
halt                                                                                                 ; 302

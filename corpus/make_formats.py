#!/usr/bin/env python3
"""Writes corpus/formats/: one call (the native native.json) in every input
format zhijian reads, with the speakers numbered as each service numbers them
(the agent is the second channel or speaker in several), so that scoring any
of them gives the findings of native.json. Run from the repository root:
python3 corpus/make_formats.py"""
import json, os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "formats")

# (agent?, text, start_ms, end_ms)
TURNS = [
    (True, "您好，阳光物业客服中心，我姓李，请问有什么可以帮您？", 0, 5200),
    (False, "你好，我家厨房水管漏水了，已经流到楼下了。", 5600, 9800),
    (True, "这个我不管，该找谁找谁，你自己找楼下吧。", 10200, 15000),
    (False, "那我该怎么办啊？", 15400, 19000),
    (True, "请您稍等，我马上安排维修师傅上门，大约二十分钟到。", 19400, 26000),
    (False, "好的，谢谢。", 26300, 28000),
    (True, "不客气，感谢您的来电，再见。", 28400, 32000),
]


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        if isinstance(data, str):
            f.write(data)
        else:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.write("\n")


def clock(ms, sep=",", hours=True):
    h, rest = divmod(ms, 3600000)
    m, rest = divmod(rest, 60000)
    s, milli = divmod(rest, 1000)
    if hours:
        return "%02d:%02d:%02d%s%03d" % (h, m, s, sep, milli)
    return "%02d:%02d%s%03d" % (m, s, sep, milli)


def spaced(text):
    """ASR output with a space between every character."""
    return " ".join(text)


def main():
    os.makedirs(OUT, exist_ok=True)
    write("native.json", {"call_id": "native", "turns": [
        {"speaker": "agent" if a else "customer", "text": t, "start_ms": s, "end_ms": e}
        for a, t, s, e in TURNS]})
    # Alibaba file transcription: dual-channel, the agent on channel 1.
    write("alibaba.json", {
        "TaskId": "4b56f0c4b7e611eb80e4c3cb1e5a1c2f", "StatusCode": 21050000,
        "StatusText": "SUCCESS", "BizDuration": 32000, "SolveTime": 1623220040423,
        "RequestTime": 1623220031452,
        "Result": {"Sentences": [
            {"BeginTime": s, "EndTime": e, "SilenceDuration": 0 if i == 0 else 0.4,
             "ChannelId": 1 if a else 0, "SpeechRate": 220 + i, "EmotionValue": 6.5,
             "Text": t} for i, (a, t, s, e) in enumerate(TURNS)]}})
    # lowerCamel variant (numbers as strings), the agent on channel 0.
    write("alibaba-lowercamel.json", {
        "callId": "alibaba-lowercamel", "bizDuration": 32000, "statusCode": "21050000",
        "sentences": [
            {"beginTime": str(s), "endTime": str(e), "channelId": "0" if a else "1",
             "emotionValue": "5.7", "silenceDuration": "0", "speechRate": "180", "text": t}
            for a, t, s, e in TURNS]})
    write("alibaba-qa.json", {"tid": "alibaba-qa", "dialogue": [
        {"role": "客服" if a else "客户", "identity": "A017" if a else "13800000000",
         "words": t, "begin": s, "end": e} for a, t, s, e in TURNS]})
    # Tencent: SpeakerId numbers, the agent is speaker 1.
    write("tencent.json", {"Response": {"RequestId": "0f5ea0a0-5f3c-4a7b-9d6e-2a1f0c0b1a2d",
        "Data": {"TaskId": 1234567890, "Status": 2, "StatusStr": "success",
                 "AudioDuration": 32.0, "ErrorMsg": "",
                 "Result": "".join("[%d:%06.3f,%d:%06.3f,%d]  %s\n" % (
                     s // 60000, s % 60000 / 1000, e // 60000, e % 60000 / 1000,
                     1 if a else 0, t) for a, t, s, e in TURNS),
                 "ResultDetail": [
                     {"FinalSentence": t, "SliceSentence": spaced(t), "WrittenText": "",
                      "StartMs": s, "EndMs": e, "WordsNum": len(t), "Words": [],
                      "SpeechSpeed": 4.2, "SpeakerId": 1 if a else 0,
                      "EmotionalEnergy": 1.5, "SilenceTime": 400 if i else 0,
                      "EmotionType": ["neutral"]}
                     for i, (a, t, s, e) in enumerate(TURNS)]}}})
    # Tencent without ResultDetail: only the Result lines.
    write("tencent-result.json", {"Response": {"RequestId": "8e3a1c4e-1d2b-4f5a-9c8d-7e6f5a4b3c2d",
        "Data": {"TaskId": 1234567891, "Status": 2, "StatusStr": "success",
                 "AudioDuration": 32.0, "ResultDetail": None,
                 "Result": "".join("[%d:%06.3f,%d:%06.3f,%d]  %s\n" % (
                     s // 60000, s % 60000 / 1000, e // 60000, e % 60000 / 1000,
                     0 if a else 1, t) for a, t, s, e in TURNS)}}})
    # iFlytek: orderResult is a JSON string whose json_1best are JSON strings.
    lattice = []
    for a, t, s, e in TURNS:
        ws = []
        for ch in t:
            punct = ch in "，。？！"
            ws.append({"cw": [{"w": ch, "wp": "p" if punct else "n"}], "wb": 0, "we": 0})
        best = {"st": {"sc": "0.00", "pa": "0", "rt": [{"ws": ws}], "bg": str(s),
                       "rl": "2" if a else "1", "ed": str(e)}}
        lattice.append({"json_1best": json.dumps(best, ensure_ascii=False)})
    write("iflytek.json", {"code": "000000", "descInfo": "success", "content": {
        "orderInfo": {"orderId": "DKHJQ202311091629", "failType": 11, "status": 4,
                      "originalDuration": 32000, "realDuration": 32000},
        "orderResult": json.dumps({"lattice": lattice, "lattice2": []}, ensure_ascii=False),
        "taskEstimateTime": 0}})
    write("huawei.json", {"status": "FINISHED", "create_time": "2026-11-01T01:00:00.000Z",
        "start_time": "2026-11-01T01:00:01.000Z", "finish_time": "2026-11-01T01:00:09.000Z",
        "audio_duration": 32000, "segments": [
            {"start_time": s, "end_time": e, "result": {"text": t, "analysis_info": {
                "role": "AGENT" if a else "USER", "emotion": "NORMAL", "speed": 4.5}}}
            for a, t, s, e in TURNS]})
    # FunASR: a space between every character, speakers 0/1 (agent 0).
    write("funasr.json", [{"key": "funasr", "text": "".join(t for _, t, _, _ in TURNS),
        "sentence_info": [{"text": spaced(t), "start": s, "end": e, "spk": 0 if a else 1}
                          for a, t, s, e in TURNS]}])
    # DashScope: one transcript per channel, the agent on channel 1.
    write("dashscope.json", {"file_url": "https://example.com/dashscope.wav",
        "properties": {"audio_format": "wav", "channels": [0, 1],
                       "original_sampling_rate": 8000,
                       "original_duration_in_milliseconds": 32000},
        "transcripts": [{"channel_id": ch, "content_duration_in_milliseconds": 16000,
                         "text": "".join(t for a, t, _, _ in TURNS if a == (ch == 1)),
                         "sentences": [{"begin_time": s, "end_time": e, "text": t,
                                        "sentence_id": i + 1, "speaker_id": 0}
                                       for i, (a, t, s, e) in enumerate(TURNS)
                                       if a == (ch == 1)]} for ch in (0, 1)]})
    # WhisperX: seconds as floats, the agent is SPEAKER_01.
    write("whisperx.json", {"language": "zh", "segments": [
        {"start": s / 1000, "end": e / 1000, "text": t,
         "speaker": "SPEAKER_01" if a else "SPEAKER_00"} for a, t, s, e in TURNS],
        "word_segments": []})
    colons = ["：", ":"]
    write("subtitles.srt", "".join("%d\n%s --> %s\n%s%s%s\n\n" % (
        i + 1, clock(s), clock(e), "坐席" if a else "客户", colons[i % 2], t)
        for i, (a, t, s, e) in enumerate(TURNS)))
    write("subtitles.vtt", "WEBVTT\n\nNOTE speakers as WhisperX numbers them\n\n" + "".join(
        "%s --> %s\n<v SPEAKER_%02d>%s</v>\n\n" % (clock(s, ".", False), clock(e, ".", False),
                                                  0 if a else 1, t)
        for a, t, s, e in TURNS))
    write("transcript.txt", "".join("[%s] %s：%s\n" % (clock(s, "."), "客服" if a else "客户", t)
                                    for a, t, s, e in TURNS))
    rows = ["call_id,speaker,text,start,end"]
    for a, t, s, e in TURNS:
        rows.append("utterances,%d,\"%s\",%.1f,%.1f" % (2 if a else 1, t, s / 1000, e / 1000))
    write("utterances.csv", "\r\n".join(rows) + "\r\n")


if __name__ == "__main__":
    main()

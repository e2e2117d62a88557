<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>DetailsPanel</name>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="161"/>
        <source>Select a file to see what mediarec knows about it.</source>
        <translation>选择一个文件，查看 mediarec 对它的了解。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="81"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="91"/>
        <source>Tag</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="91"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="91"/>
        <source>Score</source>
        <translation>分数</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="102"/>
        <source>New tag</source>
        <translation>新标签</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="104"/>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="106"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="145"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="148"/>
        <source>Transcript</source>
        <translation>文字记录</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="142"/>
        <source>More like this</source>
        <translation>更多类似内容</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="132"/>
        <source>Click to see this file; double-click to play it</source>
        <translation>单击查看此文件，双击播放</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="210"/>
        <source>Not indexed yet: it plays now; “more like this”, tags and search come once it is indexed.</source>
        <translation>尚未索引：现在就能播放；索引完成后才有“更多类似内容”、标签和搜索。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="214"/>
        <source>Nothing similar yet: index more files.</source>
        <translation>暂无相似内容：请索引更多文件。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="226"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="226"/>
        <source>not indexed yet</source>
        <translation>尚未索引</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="227"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="228"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="229"/>
        <source>Picture</source>
        <translation>画面</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="230"/>
        <source>Sound</source>
        <translation>声音</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="231"/>
        <source>Artist</source>
        <translation>艺术家</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="232"/>
        <source>Album</source>
        <translation>专辑</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="233"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="234"/>
        <source>Genre</source>
        <translation>流派</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="235"/>
        <source>Spoken language</source>
        <translation>语音语言</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="236"/>
        <source>Played</source>
        <translation>播放次数</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="280"/>
        <source>picture</source>
        <translation>画面</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="281"/>
        <source>speech</source>
        <translation>语音</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="282"/>
        <source>sound</source>
        <translation>声音</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="283"/>
        <source>file info</source>
        <translation>文件信息</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="289"/>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="291"/>
        <source>once</source>
        <translation>1 次</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="292"/>
        <source>%1 times</source>
        <translation>%1 次</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="237"/>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="238"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="259"/>
        <source>No tags yet: add your own below.</source>
        <translation>还没有标签：可在下方添加。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="270"/>
        <source>Play from %1</source>
        <translation>从 %1 开始播放</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/details_panel.py" line="279"/>
        <source>you</source>
        <translation>你</translation>
    </message>
</context>
<context>
    <name>EmptyLibrary</name>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="51"/>
        <source>Add a folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="52"/>
        <source>Make a sample library</source>
        <translation>生成示例媒体库</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="74"/>
        <source>Nothing to show</source>
        <translation>没有可显示的内容</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="75"/>
        <source>No file matches these filters.</source>
        <translation>没有文件符合这些筛选条件。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="77"/>
        <source>Indexing your files…</source>
        <translation>正在索引你的文件…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="78"/>
        <source>Each file appears here as soon as it is ready.</source>
        <translation>每个文件处理完成后会立即显示在这里。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="80"/>
        <source>Your library is empty</source>
        <translation>你的媒体库是空的</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="83"/>
        <source>Add a folder with videos or music, or make a small sample library to see search and “more like this” at work within a minute.</source>
        <translation>添加一个包含视频或音乐的文件夹，或生成一个小型示例媒体库，一分钟内即可体验搜索和“更多类似内容”。</translation>
    </message>
</context>
<context>
    <name>ErrorReport</name>
    <message>
        <location filename="../../mediarec/ui/main.py" line="145"/>
        <source>Something went wrong. mediarec keeps running; the details below help a bug report.</source>
        <translation>出现了问题。mediarec 仍在运行；下面的详细信息可用于报告错误。</translation>
    </message>
</context>
<context>
    <name>FolderList</name>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="42"/>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="44"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="67"/>
        <source>Choose a folder to watch</source>
        <translation>选择要监视的文件夹</translation>
    </message>
</context>
<context>
    <name>ForYou</name>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="61"/>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="69"/>
        <source>because you watched %1</source>
        <translation>因为你看过《%1》</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="73"/>
        <source>because you liked %1</source>
        <translation>因为你喜欢《%1》</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="77"/>
        <source>you like: %1</source>
        <translation>你喜欢：%1</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="78"/>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="83"/>
        <source>continue watching: you stopped at %1 of %2</source>
        <translation>继续观看：上次停在 %1（共 %2）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="85"/>
        <source>continue watching: you stopped at %1</source>
        <translation>继续观看：上次停在 %1</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="91"/>
        <source>new in your library (added today)</source>
        <translation>媒体库新内容（今天添加）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="93"/>
        <source>new in your library (added yesterday)</source>
        <translation>媒体库新内容（昨天添加）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="94"/>
        <source>new in your library (added %1 days ago)</source>
        <translation>媒体库新内容（%1 天前添加）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="99"/>
        <source>a different corner of your library</source>
        <translation>媒体库里的另一类内容</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="100"/>
        <source>something different from what you usually watch</source>
        <translation>与你平时看的不同的内容</translation>
    </message>
</context>
<context>
    <name>ForYouShelf</name>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="290"/>
        <location filename="../../mediarec/ui/for_you.py" line="340"/>
        <source>For you</source>
        <translation>为你推荐</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="301"/>
        <source>Left: closest to what you watch. Right: more varied picks.</source>
        <translation>向左：最接近你看过的内容。向右：推荐更多样。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="302"/>
        <location filename="../../mediarec/ui/for_you.py" line="303"/>
        <source>Variety</source>
        <translation>多样性</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="366"/>
        <source>New and varied picks: watch something and these follow your taste</source>
        <translation>新添加和多样的内容：看过一些之后，推荐会跟随你的口味</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="368"/>
        <source>Picked from what you watch and like</source>
        <translation>根据你看过和喜欢的内容挑选</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/for_you.py" line="305"/>
        <source>How are recommendations doing?</source>
        <translation>推荐效果如何？</translation>
    </message>
</context>
<context>
    <name>Formatting</name>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="29"/>
        <source>seen</source>
        <translation>画面</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="30"/>
        <source>said</source>
        <translation>说到</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="31"/>
        <source>heard</source>
        <translation>听到</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="32"/>
        <source>shown on screen</source>
        <translation>屏幕上显示</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="33"/>
        <source>in the title or tags</source>
        <translation>标题或标签中</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="40"/>
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="41"/>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="46"/>
        <source>Pictures (what is seen)</source>
        <translation>画面（看到的内容）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="47"/>
        <source>Speech to text (what is said)</source>
        <translation>语音转文字（说的内容）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="48"/>
        <source>Meaning of words</source>
        <translation>文字语义</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="49"/>
        <source>Sounds (what is heard)</source>
        <translation>声音（听到的内容）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="50"/>
        <source>Text on screen (what is read)</source>
        <translation>屏幕上的文字（读到的内容）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="51"/>
        <source>Objects in pictures (what is seen)</source>
        <translation>画面中的物体（看到的内容）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="58"/>
        <source>%1 GB</source>
        <translation>%1 GB</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="59"/>
        <source>%1 MB</source>
        <translation>%1 MB</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="138"/>
        <source>PCM (uncompressed)</source>
        <translation>PCM（未压缩）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="148"/>
        <source>English</source>
        <translation>英语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="149"/>
        <source>Chinese</source>
        <translation>汉语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="150"/>
        <source>Cantonese</source>
        <translation>粤语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="151"/>
        <source>Japanese</source>
        <translation>日语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="152"/>
        <source>Korean</source>
        <translation>韩语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="153"/>
        <source>Spanish</source>
        <translation>西班牙语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="154"/>
        <source>French</source>
        <translation>法语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="155"/>
        <source>German</source>
        <translation>德语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="156"/>
        <source>Italian</source>
        <translation>意大利语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="157"/>
        <source>Portuguese</source>
        <translation>葡萄牙语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="158"/>
        <source>Russian</source>
        <translation>俄语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="159"/>
        <source>Ukrainian</source>
        <translation>乌克兰语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="160"/>
        <source>Polish</source>
        <translation>波兰语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="161"/>
        <source>Dutch</source>
        <translation>荷兰语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="162"/>
        <source>Swedish</source>
        <translation>瑞典语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="163"/>
        <source>Turkish</source>
        <translation>土耳其语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="164"/>
        <source>Arabic</source>
        <translation>阿拉伯语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="165"/>
        <source>Hindi</source>
        <translation>印地语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="166"/>
        <source>Vietnamese</source>
        <translation>越南语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="167"/>
        <source>Thai</source>
        <translation>泰语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="168"/>
        <source>Indonesian</source>
        <translation>印度尼西亚语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="184"/>
        <source>Sentence model (Hugging Face)</source>
        <translation>句子模型（Hugging Face）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="205"/>
        <source>Whisper %1, English only</source>
        <translation>Whisper %1，仅英语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="208"/>
        <source>Whisper %1, many languages</source>
        <translation>Whisper %1，多种语言</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="213"/>
        <location filename="../../mediarec/ui/formatting.py" line="214"/>
        <source>MiniLM, English</source>
        <translation>MiniLM，英语</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="215"/>
        <source>Universal Sentence Encoder, many languages</source>
        <translation>Universal Sentence Encoder，多种语言</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="218"/>
        <source>YAMNet, 521 kinds of sound</source>
        <translation>YAMNet，521 种声音</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="219"/>
        <source>PP-OCRv4, Chinese and English</source>
        <translation>PP-OCRv4，中文和英文</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="222"/>
        <source>EfficientNet-Lite0, 1,000 kinds of object</source>
        <translation>EfficientNet-Lite0，1000 种物体</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="225"/>
        <source>Tiny CLIP, shapes and colours only</source>
        <translation>Tiny CLIP，仅限形状和颜色</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="226"/>
        <source>CLIP ViT-B/32, pictures of every kind</source>
        <translation>CLIP ViT-B/32，适用于各种画面</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="229"/>
        <source>CLAP, sounds found by words</source>
        <translation>CLAP，用文字查找声音</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="230"/>
        <source>E5 small, many languages</source>
        <translation>E5 small，多种语言</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="233"/>
        <source>E5 base, many languages</source>
        <translation>E5 base，多种语言</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/formatting.py" line="243"/>
        <source>%1 (a folder on this computer)</source>
        <translation>%1（本机上的文件夹）</translation>
    </message>
</context>
<context>
    <name>IndexingStatus</name>
    <message>
        <location filename="../../mediarec/ui/indexing.py" line="230"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/indexing.py" line="231"/>
        <source>Stop indexing; what is done so far is kept</source>
        <translation>停止索引；已完成的部分会保留</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/indexing.py" line="252"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/indexing.py" line="252"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/indexing.py" line="256"/>
        <source>Indexing paused (after the current file)</source>
        <translation>索引已暂停（在当前文件之后）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/indexing.py" line="258"/>
        <source>Stopping after the current file…</source>
        <translation>将在当前文件完成后停止…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/indexing.py" line="267"/>
        <source>Downloading the models: %1</source>
        <translation>正在下载模型：%1</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/indexing.py" line="272"/>
        <source>Looking for new and changed files…</source>
        <translation>正在查找新增和更改的文件…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/indexing.py" line="280"/>
        <source>Indexing %1 of %2: %3</source>
        <translation>正在索引第 %1 个，共 %2 个：%3</translation>
    </message>
</context>
<context>
    <name>LibraryModel</name>
    <message>
        <location filename="../../mediarec/ui/library_model.py" line="146"/>
        <source>Not indexed yet: it plays; search and “more like this” find it once it is.</source>
        <translation>尚未索引：可以播放；索引完成后，搜索和“更多类似内容”才能找到它。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_model.py" line="279"/>
        <source>not indexed yet</source>
        <translation>尚未索引</translation>
    </message>
</context>
<context>
    <name>LibraryPage</name>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="129"/>
        <source>Library</source>
        <translation>媒体库</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="143"/>
        <location filename="../../mediarec/ui/library_page.py" line="193"/>
        <source>All tags</source>
        <translation>所有标签</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/library_page.py" line="144"/>
        <source>Show only files with this tag</source>
        <translation>只显示带有此标签的文件</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="117"/>
        <source>Rescan</source>
        <translation>重新扫描</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="118"/>
        <source>Look for new and changed files in the watched folders</source>
        <translation>在监视的文件夹中查找新增和更改的文件</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="119"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="125"/>
        <source>&amp;Library</source>
        <translation>媒体库(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="126"/>
        <source>Add a folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="127"/>
        <source>Make a sample library</source>
        <translation>生成示例媒体库</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="132"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="139"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="140"/>
        <location filename="../../mediarec/ui/app_window.py" line="405"/>
        <source>About mediarec</source>
        <translation>关于 mediarec</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="232"/>
        <source>%1 files</source>
        <translation>%1 个文件</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="232"/>
        <source>1 file</source>
        <translation>1 个文件</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="363"/>
        <source>No folders are watched yet: add one first.</source>
        <translation>尚未监视任何文件夹：请先添加一个。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="377"/>
        <source>Indexing stopped. Indexed before stopping: %1.</source>
        <translation>索引已停止。停止前已索引：%1 个。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="379"/>
        <source>Indexing done. Indexed: %1; could not be read: %2 (see the tooltip).</source>
        <translation>索引完成。已索引：%1 个；无法读取：%2 个（详见提示）。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="382"/>
        <source>Library up to date. Newly indexed: %1.</source>
        <translation>媒体库已是最新。新索引：%1 个。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="389"/>
        <source>Indexing stopped: %1</source>
        <translation>索引已停止：%1</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="396"/>
        <source>Indexing waits for the models.</source>
        <translation>索引正在等待模型。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/app_window.py" line="407"/>
        <source>mediarec %1
An offline media library that finds the moment you are looking for.</source>
        <translation>mediarec %1
一个离线媒体库，帮你找到想要的那个瞬间。</translation>
    </message>
</context>
<context>
    <name>ModelHelp</name>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="32"/>
        <source>Use the offline models</source>
        <translation>使用离线模型</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="35"/>
        <source>Smaller models installed with mediarec: nothing to download. Settings keeps this choice.</source>
        <translation>随 mediarec 安装的较小模型：无需下载。设置会保留这一选择。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="38"/>
        <source>Choose a model folder…</source>
        <translation>选择模型文件夹…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="39"/>
        <source>Use a model that is already on this computer, in a folder</source>
        <translation>使用本机文件夹中已有的模型</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="40"/>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="69"/>
        <source>A model needs an account on the model hub to download.</source>
        <translation>某个模型需要模型库账号才能下载。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="71"/>
        <source>A model chosen in Settings does not exist on the model hub.</source>
        <translation>设置中选择的某个模型在模型库中不存在。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="74"/>
        <source>The models could not be downloaded: this computer seems to be offline, or the model hub cannot be reached.</source>
        <translation>无法下载模型：这台电脑似乎没有联网，或者无法连接到模型库。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="78"/>
        <source>A model folder chosen in Settings does not hold the model.</source>
        <translation>设置中选择的模型文件夹里没有该模型。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="80"/>
        <source>A model that comes with mediarec is not installed.</source>
        <translation>随 mediarec 提供的某个模型没有安装。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="81"/>
        <source>A model could not be loaded.</source>
        <translation>某个模型无法加载。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/model_help.py" line="85"/>
        <source>Your files are listed and play without it; finding what is seen, said or heard in them needs the models.</source>
        <translation>没有模型也能列出和播放你的文件；要按画面、语音或声音查找内容，则需要这些模型。</translation>
    </message>
</context>
<context>
    <name>PlayerBackends</name>
    <message>
        <location filename="../../mediarec/ui/player_backends.py" line="130"/>
        <source>Playback is turned off in the config file (player = &quot;none&quot;).</source>
        <translation>配置文件中已关闭播放（player = &quot;none&quot;）。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_backends.py" line="143"/>
        <source>Playback is not available: %1
To play files, %2.</source>
        <translation>无法播放：%1
要播放文件，请%2。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_backends.py" line="148"/>
        <source>libVLC was not found, so Qt&apos;s own player is used; it plays fewer formats. To use VLC, %1.</source>
        <translation>未找到 libVLC，因此使用 Qt 自带的播放器，它支持的格式较少。要使用 VLC，请%1。</translation>
    </message>
</context>
<context>
    <name>PlayerControls</name>
    <message>
        <location filename="../../mediarec/ui/player_controls.py" line="54"/>
        <source>Play / pause (Space)</source>
        <translation>播放/暂停（空格）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_controls.py" line="58"/>
        <source>Back 5 seconds (Left)</source>
        <translation>后退 5 秒（左方向键）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_controls.py" line="62"/>
        <source>Forward 5 seconds (Right)</source>
        <translation>前进 5 秒（右方向键）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_controls.py" line="65"/>
        <source>Mute (M)</source>
        <translation>静音（M）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_controls.py" line="73"/>
        <source>Volume (Up / Down)</source>
        <translation>音量（上/下方向键）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_controls.py" line="75"/>
        <location filename="../../mediarec/ui/player_controls.py" line="127"/>
        <source>Full screen (F)</source>
        <translation>全屏（F）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_controls.py" line="80"/>
        <source>Chapters (PageUp / PageDown: previous / next)</source>
        <translation>章节（PageUp / PageDown：上一章 / 下一章）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_controls.py" line="81"/>
        <source>Chapters</source>
        <translation>章节</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_controls.py" line="127"/>
        <source>Leave full screen (Esc)</source>
        <translation>退出全屏（Esc）</translation>
    </message>
</context>
<context>
    <name>PlayerHeader</name>
    <message>
        <location filename="../../mediarec/ui/player_header.py" line="19"/>
        <source>← Back</source>
        <translation>← 返回</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_header.py" line="19"/>
        <source>Back to the list (Esc)</source>
        <translation>返回列表（Esc）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_header.py" line="29"/>
        <source>Like</source>
        <translation>喜欢</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_header.py" line="29"/>
        <source>I like this: recommend more like it</source>
        <translation>我喜欢：多推荐类似内容</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_header.py" line="31"/>
        <source>Dislike</source>
        <translation>不喜欢</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/player_header.py" line="31"/>
        <source>Not for me: recommend less like it</source>
        <translation>不感兴趣：少推荐类似内容</translation>
    </message>
</context>
<context>
    <name>PlayerView</name>
    <message>
        <location filename="../../mediarec/ui/player_view.py" line="257"/>
        <source>Chapter %1</source>
        <translation>第 %1 章</translation>
    </message>
</context>
<context>
    <name>ScreenTextList</name>
    <message>
        <location filename="../../mediarec/ui/screen_text_list.py" line="24"/>
        <location filename="../../mediarec/ui/screen_text_list.py" line="28"/>
        <source>On screen</source>
        <translation>屏幕文字</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/screen_text_list.py" line="54"/>
        <source>Shown %1 to %2</source>
        <translation>%1 至 %2 显示</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="204"/>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="245"/>
        <source>Searching for “%1”…</source>
        <translation>正在搜索“%1”…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="248"/>
        <source>Searching… the first search loads the models, which takes a few seconds.</source>
        <translation>正在搜索……首次搜索需要加载模型，请稍候几秒。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="271"/>
        <source>Results for “%1”: click a moment to play it there.</source>
        <translation>“%1”的搜索结果：点击某个片段即可从该处播放。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="274"/>
        <source>Nothing matches “%1”, not even weakly.</source>
        <translation>没有与“%1”相符的内容，连较弱的匹配也没有。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="278"/>
        <source>No matches for “%1”.</source>
        <translation>没有与“%1”匹配的结果。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="280"/>
        <source>Show weak matches</source>
        <translation>显示较弱的匹配</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="312"/>
        <source>Nothing is indexed yet, so there is nothing to search in. Your files are in the library and play; search finds them once they are indexed.</source>
        <translation>还没有索引任何文件，因此暂时无法搜索。你的文件已在媒体库中，可以播放；索引完成后即可搜索到它们。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="317"/>
        <source>Search needs its models.</source>
        <translation>搜索需要模型。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="322"/>
        <source>Search is not available: %1</source>
        <translation>搜索不可用：%1</translation>
    </message>
</context>
<context>
    <name>SearchResultsModel</name>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="62"/>
        <source>%1 · best match at %2, %3</source>
        <translation>%1 · 最佳匹配位于 %2（%3）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="68"/>
        <source>%1 moments</source>
        <translation>%1 个片段</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_panel.py" line="89"/>
        <source>Play from %1</source>
        <translation>从 %1 开始播放</translation>
    </message>
</context>
<context>
    <name>SearchToolbar</name>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="11"/>
        <source>Search and filters</source>
        <translation>搜索和筛选</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="15"/>
        <source>Search what is seen, said or heard…</source>
        <translation>搜索画面、语音或声音中的内容…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="19"/>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="24"/>
        <source>Recently added</source>
        <translation>最近添加</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="25"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="26"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="27"/>
        <source>Recently played</source>
        <translation>最近播放</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="30"/>
        <source>Sort the library</source>
        <translation>媒体库排序方式</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="33"/>
        <source>Video and audio</source>
        <translation>视频和音频</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="34"/>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="35"/>
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="38"/>
        <source>Show only one kind of file</source>
        <translation>只显示一种类型的文件</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="41"/>
        <source>Sort:</source>
        <translation>排序：</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="42"/>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/search_toolbar.py" line="43"/>
        <source>Tag:</source>
        <translation>标签：</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="89"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="96"/>
        <source>Watched folders</source>
        <translation>监视的文件夹</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="100"/>
        <source>Automatic (the graphics card when there is one)</source>
        <translation>自动（有显卡时使用显卡）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="101"/>
        <source>Processor (CPU)</source>
        <translation>处理器（CPU）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="108"/>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="115"/>
        <source>Best quality (downloaded on first use)</source>
        <translation>最佳质量（首次使用时下载）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="116"/>
        <source>Offline (installed with mediarec, smaller)</source>
        <translation>离线（随 mediarec 安装，体积更小）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="124"/>
        <source>Compute on:</source>
        <translation>计算设备：</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="125"/>
        <source>Interface language:</source>
        <translation>界面语言：</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="126"/>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="130"/>
        <source>Model set:</source>
        <translation>模型组合：</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="140"/>
        <source>The kind of model, for a model of your own</source>
        <translation>模型类型（用于你自己的模型）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="145"/>
        <source>Another model: its name on the Hugging Face model hub, or a folder on this computer with its files. Empty: the model set&apos;s own (shown in grey).</source>
        <translation>其他模型：填写它在 Hugging Face 模型库中的名称，或本机上存放其文件的文件夹。留空：使用模型组合自带的模型（灰色显示）。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="149"/>
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="150"/>
        <source>Use a model from a folder on this computer</source>
        <translation>使用本机文件夹中的模型</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="164"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="170"/>
        <source>Changing the device, models or language reopens the window to apply them (playback stops; indexing carries on where it was).</source>
        <translation>更改计算设备、模型或语言后，窗口会重新打开以应用更改（播放会停止，索引会从中断处继续）。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="195"/>
        <source>None in this model set</source>
        <translation>此模型组没有</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="202"/>
        <source>Choose the folder with the model for: %1</source>
        <translation>选择存放以下用途模型的文件夹：%1</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="225"/>
        <source>Graphics card (NVIDIA)</source>
        <translation>显卡（NVIDIA）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="225"/>
        <source>Graphics card (Apple)</source>
        <translation>显卡（Apple）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="227"/>
        <source>(not found on this computer)</source>
        <translation>（这台电脑上没有找到）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/settings_dialog.py" line="255"/>
        <source>This model choice does not work</source>
        <translation>此模型选择无效</translation>
    </message>
</context>
<context>
    <name>SetupActions</name>
    <message>
        <location filename="../../mediarec/ui/setup_actions.py" line="78"/>
        <source>Choose a folder to watch</source>
        <translation>选择要监视的文件夹</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/setup_actions.py" line="96"/>
        <source>Making the sample library…</source>
        <translation>正在生成示例媒体库…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/setup_actions.py" line="112"/>
        <source>Sample library made in %1; indexing it now.</source>
        <translation>示例媒体库已生成在 %1，正在索引。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/setup_actions.py" line="123"/>
        <source>No sample library</source>
        <translation>无法生成示例媒体库</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/setup_actions.py" line="173"/>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/setup_actions.py" line="184"/>
        <source>Settings not saved</source>
        <translation>设置未保存</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/setup_actions.py" line="232"/>
        <source>Setting the library up…</source>
        <translation>正在设置媒体库…</translation>
    </message>
</context>
<context>
    <name>ShelfStats</name>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="145"/>
        <source>%1 of %2</source>
        <translation>%2 个中的 %1 个</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="33"/>
        <source>Because you liked …</source>
        <translation>因为你喜欢过……</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="32"/>
        <source>Because you watched …</source>
        <translation>因为你看过……</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="35"/>
        <source>Continue watching</source>
        <translation>继续观看</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="48"/>
        <source>Dismissed</source>
        <translation>不感兴趣</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="47"/>
        <source>Liked</source>
        <translation>喜欢</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="36"/>
        <source>New in your library</source>
        <translation>库中新增</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="46"/>
        <source>Past half</source>
        <translation>过半</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="45"/>
        <source>Played</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="44"/>
        <source>Shown</source>
        <translation>展示</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="37"/>
        <source>Something different</source>
        <translation>换换口味</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="34"/>
        <source>You like: (tags)</source>
        <translation>你喜欢：（标签）</translation>
    </message>
</context>
<context>
    <name>ShelfStatsDialog</name>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="116"/>
        <source>%1 of them were shown less than %2 days ago and may still be played.</source>
        <translation>其中 %1 个展示不到 %2 天，之后仍可能被播放。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="108"/>
        <source>%1 picks shown since %2. Each counts what you did with the file within %3 days after it was shown.</source>
        <translation>自 %2 起共展示了 %1 个推荐；每个推荐统计展示后 %3 天内你对该文件的操作。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="87"/>
        <source>All picks</source>
        <translation>全部推荐</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="61"/>
        <source>By variety (0 = closest to your taste, 1 = most varied)</source>
        <translation>按多样性（0 = 最贴近你的口味，1 = 最多样）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="56"/>
        <source>How are recommendations doing?</source>
        <translation>推荐效果如何？</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="57"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="80"/>
        <source>No recommendations shown yet. What the For you shelf shows is recorded, and these figures follow what you then play, like and dismiss.</source>
        <translation>还没有展示过推荐。“为你推荐”展示的内容会被记录，这些数字随之反映你随后的播放、喜欢和不感兴趣。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="100"/>
        <source>The figures could not be read: %1</source>
        <translation>无法读取统计数据：%1</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/shelf_stats_view.py" line="93"/>
        <source>Variety %1</source>
        <translation>多样性 %1</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <location filename="../../mediarec/ui/timeline.py" line="36"/>
        <source>Timeline</source>
        <translation>时间轴</translation>
    </message>
</context>
<context>
    <name>TranscriptList</name>
    <message>
        <location filename="../../mediarec/ui/transcript_list.py" line="26"/>
        <location filename="../../mediarec/ui/transcript_list.py" line="32"/>
        <location filename="../../mediarec/ui/transcript_list.py" line="55"/>
        <source>Transcript</source>
        <translation>文字记录</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/transcript_list.py" line="63"/>
        <source>Chapters</source>
        <translation>章节</translation>
    </message>
</context>
<context>
    <name>WelcomeDialog</name>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="57"/>
        <source>Welcome to mediarec</source>
        <translation>欢迎使用 mediarec</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="62"/>
        <source>mediarec looks through your videos and music on this computer, so you can find a moment by what is seen, said or heard in it. Nothing leaves your computer.</source>
        <translation>mediarec 会分析这台电脑上的视频和音乐，让你可以按画面、语音或声音找到某个瞬间。所有数据都不会离开你的电脑。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="72"/>
        <source>Folders to watch (new files in them are added by themselves):</source>
        <translation>要监视的文件夹（其中的新文件会自动加入）：</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="75"/>
        <source>No Videos or Music folder was found. Add a folder, or try the sample library below.</source>
        <translation>没有找到“视频”或“音乐”文件夹。请添加一个文件夹，或试试下面的示例媒体库。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="79"/>
        <source>Used for</source>
        <translation>用途</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="79"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="79"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="86"/>
        <source>Download now</source>
        <translation>立即下载</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="89"/>
        <source>Use the offline models</source>
        <translation>使用离线模型</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="92"/>
        <source>Smaller models installed with mediarec: nothing to download. Settings keeps this choice.</source>
        <translation>随 mediarec 安装的较小模型：无需下载。设置会保留这一选择。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="99"/>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="273"/>
        <source>Checking the models…</source>
        <translation>正在检查模型…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="111"/>
        <source>Make a sample library</source>
        <translation>生成示例媒体库</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="113"/>
        <source>A few short clips with pictures and speech, made on this computer in a few seconds</source>
        <translation>几段带画面和语音的短片，在这台电脑上几秒钟即可生成</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="117"/>
        <source>No media at hand? Try mediarec on a small sample library:</source>
        <translation>手头没有媒体文件？用一个小型示例媒体库试试 mediarec：</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="123"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="124"/>
        <source>Not now</source>
        <translation>以后再说</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="134"/>
        <source>Models that will be used:</source>
        <translation>将使用的模型：</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="171"/>
        <source>All models are on this computer; nothing needs downloading.</source>
        <translation>所有模型都已在这台电脑上，无需下载。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="173"/>
        <source>unknown size</source>
        <translation>大小未知</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="176"/>
        <source>Some models download on first use (%1 in all). Without them mediarec still lists and plays your files; finding what is seen, said or heard in them needs them. No internet here? Use the offline models, which come with mediarec.</source>
        <translation>部分模型会在首次使用时下载（共 %1）。没有它们，mediarec 仍能列出和播放你的文件；要按画面、语音或声音查找内容则需要它们。这里没有网络？请使用随 mediarec 提供的离线模型。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="200"/>
        <source>The models chosen in Settings do not work together.</source>
        <translation>设置中选择的模型无法配合使用。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="243"/>
        <source>The download did not work.</source>
        <translation>下载没有成功。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="299"/>
        <source>Choose the folder with the model for: %1</source>
        <translation>选择存放以下用途模型的文件夹：%1</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="311"/>
        <source>The folder %1 does not hold a model for: %2.</source>
        <translation>文件夹 %1 里没有用于以下用途的模型：%2。</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="185"/>
        <source>Ready (installed)</source>
        <translation>就绪（已安装）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="187"/>
        <source>Ready (from a folder)</source>
        <translation>就绪（来自文件夹）</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="188"/>
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="191"/>
        <source>Downloads %1 on first use</source>
        <translation>首次使用时下载 %1</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="192"/>
        <source>Downloads on first use</source>
        <translation>首次使用时下载</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="193"/>
        <source>Missing</source>
        <translation>缺失</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="208"/>
        <source>Downloading…</source>
        <translation>正在下载…</translation>
    </message>
    <message>
        <location filename="../../mediarec/ui/welcome_dialog.py" line="227"/>
        <source>Downloading %1…</source>
        <translation>正在下载 %1…</translation>
    </message>
</context>
</TS>

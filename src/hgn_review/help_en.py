"""English help texts of the command line: each Vietnamese text of cli.py (an option's or argument's help, a
command's docstring, an app's help) → its English. cli.py shows these when --lang en is asked."""

HELP_EN: dict[str, str] = {
    # the apps
    "hgn — rà soát hộ nghèo, hộ cận nghèo (Vietnam poverty review toolkit).":
        "hgn — review of poor and near-poor households (Vietnam poverty review toolkit).",
    "Chuẩn nghèo: liệt kê, xem, kiểm tra tệp chuẩn.": "Poverty standards: list, show and check standard files.",
    # shared options
    "Ngôn ngữ thông báo: vi (mặc định) hoặc en.": "Language of messages: vi (default) or en.",
    "Ngày áp dụng danh mục hành chính (dd/mm/yyyy).":
        "Date whose list of administrative units applies (dd/mm/yyyy).",
    # hgn version, hgn codes
    "In phiên bản hgn.": "Print the hgn version.",
    "Danh mục mã phát hiện (finding codes) và ý nghĩa.": "List the finding codes and what they mean.",
    # hgn template
    "Ghi biểu rà soát trống của một xã (mẫu hgn).": "Write a blank review return for one commune (hgn layout).",
    "Mã xã 5 chữ số.": "Commune code, 5 digits.",
    "Năm rà soát.": "Review year.",
    "Tệp .xlsx sẽ ghi.": "The .xlsx file to write.",
    # hgn sample
    "Sinh dữ liệu mẫu thực tế (có thể kèm lỗi) để thử nghiệm.":
        "Generate realistic sample data (optionally with errors) for testing.",
    "Thư mục ghi các tệp mẫu.": "Folder to write the sample files into.",
    "Mã tỉnh.": "Province code.",
    "Số xã (0 = tất cả).": "Number of communes (0 = all).",
    "Số hộ mỗi xã.": "Number of households per commune.",
    "Hạt giống ngẫu nhiên: cùng số, cùng dữ liệu mẫu.": "Random seed: the same number gives the same sample data.",
    "Tỉ lệ lỗi cài vào (0–1).": "Rate of errors planted in the data (0–1).",
    "Mẫu biểu: hgn (biểu của hgn) hoặc app (tệp xuất của phần mềm rà soát).":
        "Return layout: hgn (the hgn form) or app (the export file of the review software).",
    "Năm rà soát của dữ liệu mẫu.": "Review year of the sample data.",
    "Chỉ các xã của huyện này.": "Only the communes of this district.",
    # hgn validate
    "Kiểm tra biểu rà soát của các xã: mọi lỗi trong một lần, có vị trí và cách sửa.":
        "Check the communes' review returns: every error in one pass, with its location and how to fix it.",
    "Tệp hoặc thư mục biểu rà soát.": "Review return files or folders.",
    "In kết quả JSON ra stdout.": "Print the results as JSON to stdout.",
    "Ghi sổ phát hiện .xlsx.": "Write the findings to this .xlsx workbook.",
    "Mức gây mã thoát 1.": "Severity that makes the exit code 1.",
    "Ép mẫu biểu: hgn hoặc app.": "Force the return layout: hgn or app.",
    "Giới hạn số ô mỗi sheet.": "Maximum number of cells per sheet.",
    "Số tiến trình song song (mặc định: số lõi CPU).": "Number of parallel processes (default: number of CPU cores).",
    # hgn classify
    "Phân loại hộ theo chuẩn nghèo đa chiều, kèm lý do, diễn biến và chỉ số AF.":
        "Classify households under the multidimensional poverty standard, with reasons, movements and AF indices.",
    "Tệp kết quả .xlsx.": "Results file (.xlsx).",
    "Mã chuẩn hoặc tệp YAML (mặc định theo ngày rà soát).": "Standard ID or YAML file (default: by the review date).",
    "Mã chuẩn hoặc tệp YAML (mặc định theo ngày rà soát), như khi phân loại.":
        "Standard ID or YAML file (default: by the review date), as when classifying.",
    "Chuẩn địa phương (mã hoặc tệp YAML).": "Local standard (ID or YAML file).",
    "Danh sách đầu kỳ (kết quả kỳ trước).": "Start-of-period list (results of the previous review).",
    "Danh sách các kỳ trước nữa (xét tái nghèo); mọi tệp ghi sau --history (đến tuỳ chọn kế tiếp) đều là danh sách "
    "các kỳ, nên ghi các tệp biểu rà soát trước --history.":
        "Lists of earlier periods (to find households falling back into poverty); every file after --history (up to "
        "the next option) is such a list, so give the returns before --history.",
    "Khi chỉ số ghi nhận khác chỉ số tính lại: dùng bên nào.":
        "When a recorded indicator differs from the recomputed one: which to use.",
    "Thư mục ghi households.parquet, members.parquet.": "Folder to write households.parquet and members.parquet into.",
    "In tóm tắt JSON ra stdout.": "Print a JSON summary to stdout.",
    # hgn merge
    "Tổng hợp xã lên huyện, huyện lên tỉnh; chứng minh không mất, không trùng hộ nào.":
        "Aggregate communes into districts and districts into provinces; proves no household is lost or counted "
        "twice.",
    "Kết quả phân loại của các xã, hoặc kết quả tổng hợp của các huyện.":
        "Classification results of the communes, or aggregated results of the districts.",
    "Tệp kết quả tổng hợp .xlsx.": "Aggregated results file (.xlsx).",
    "district hoặc province (mặc định: suy ra).": "district or province (default: inferred).",
    "Mã đơn vị tổng hợp (huyện/tỉnh).": "Code of the unit aggregated into (district/province).",
    "Một đơn vị có ở hai tệp: newest hoặc đường dẫn tệp được chọn.":
        "When a unit is in two files: newest, or the path of the file to use.",
    "Cho phép gộp kết quả khác chuẩn/phiên bản.": "Allow merging results of different standards/versions.",
    "Quy đổi xã cũ sang đơn vị hành chính từ 1/7/2025.":
        "Convert former communes to the administrative units in force from 1 July 2025.",
    "CSV ma_xa_cu, thon, ma_xa_moi cho xã nhập một phần.":
        "CSV with ma_xa_cu, thon, ma_xa_moi (old commune code, village, new commune code) for communes merged "
        "only in part.",
    "Thư mục ghi Parquet (để gộp tiếp lên tỉnh).": "Folder to write Parquet files into (to merge further up to the "
                                                   "province).",
    # hgn report
    "Lập 15 biểu mẫu, danh sách kết nối CSDL dân cư và trang tóm tắt report.html.":
        "Produce the 15 report forms, the lists for linking with the national population database and the "
        "summary page report.html.",
    "Tệp kết quả của hgn classify hoặc hgn merge.": "Results file of hgn classify or hgn merge.",
    "Thư mục ghi biểu mẫu, danh sách, report.html.": "Folder to write the forms, lists and report.html into.",
    "Biểu cần lập: 1,2,4 hoặc 1-5 hoặc all.": "Forms to produce: 1,2,4 or 1-5 or all.",
    "Chỉ lập cho đơn vị này (mã).": "Produce for this unit only (code).",
    "Tên thủ trưởng đơn vị ký.": "Name of the head of the unit who signs.",
    "Địa danh ở dòng ngày tháng.": "Place name on the date line.",
    "Ngày lập biểu (dd/mm/yyyy).": "Date the forms are made (dd/mm/yyyy).",
    "Thư mục định nghĩa biểu riêng của tỉnh.": "Folder of the province's own form definitions.",
    "Che số định danh và tên (báo cáo gửi ra ngoài).": "Mask ID numbers and names (for reports sent outside).",
    # hgn run
    "Cả đợt rà soát trong một lệnh: kiểm tra, phân loại, tổng hợp, lập biểu; chạy lại chỉ đọc tệp đã đổi.":
        "The whole review round in one command: check, classify, aggregate, produce forms; a rerun reads only "
        "changed files.",
    "Thư mục chứa biểu rà soát của các xã (có thể chia thư mục con theo huyện).":
        "Folder holding the communes' review returns (may be split into subfolders by district).",
    "Thư mục kết quả.": "Output folder.",
    "Che số định danh và tên trong biểu mẫu, danh sách và report.html (bao_cao/) để gửi ra ngoài; "
    "phat_hien.xlsx và ket_qua/ là dữ liệu nội bộ, không che.":
        "Mask ID numbers and names in the forms, lists and report.html (bao_cao/) for sending outside; "
        "phat_hien.xlsx and ket_qua/ are internal data and are not masked.",
    "Dừng trước khi tổng hợp nếu còn lỗi.": "Stop before aggregating if errors remain.",
    "Ghi thêm sổ kết quả .xlsx của từng xã.": "Also write a results workbook (.xlsx) for each commune.",
    "Ghi thêm vào phat_hien_ban_sao/ bản sao của từng biểu có lỗi, cảnh báo, các ô cần sửa được tô màu và ghi chú, "
    "để gửi lại xã (mỗi biểu được mở và ghi lại: chậm với biểu lớn).":
        "Also write to phat_hien_ban_sao/ a copy of each return with errors or warnings, the cells to fix marked and "
        "commented, to send back to the commune (each return is opened and written again: slow for big returns).",
    "Sau khi ghi mọi kết quả, thoát mã 1 nếu có phát hiện từ mức này (mặc định: mã 0 khi chạy xong).":
        "After writing all results, exit with code 1 if there are findings at this level or above (default: "
        "code 0 when the run completes).",
    # hgn standard list, show, check
    "Liệt kê các chuẩn có sẵn.": "List the available standards.",
    "Xem mọi tham số của một chuẩn, kèm căn cứ và mức độ xác lập (law/practice/open).":
        "Show every parameter of a standard, with its source and how firmly it is established "
        "(law/practice/open).",
    "Mã chuẩn hoặc tệp YAML.": "Standard ID or YAML file.",
    "Kiểm tra một tệp chuẩn; báo lỗi kèm đường dẫn YAML của chỗ sai.":
        "Check a standard file; each error is reported with the YAML path of the wrong entry.",
    "Tệp YAML chuẩn cần kiểm tra.": "The standard YAML file to check.",
}
